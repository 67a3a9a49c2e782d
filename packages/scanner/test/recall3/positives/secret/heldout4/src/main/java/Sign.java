public final class Sign {
    private static final String SIGN_KEY = "cGRglu7aLOwvuhAT69o0zWBf";
    private static final int KEY_LENGTH = 32;
}

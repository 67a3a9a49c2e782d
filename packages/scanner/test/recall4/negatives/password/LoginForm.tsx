export function LoginForm() {
  const [password, setPassword] = useState('');
  const passwordInput = useRef<HTMLInputElement>(null);
  return (
    <form>
      <label htmlFor="password">Password</label>
      <input id="password" type="password" placeholder="Enter your password" value={password} onChange={(e) => setPassword(e.target.value)} />
      <button disabled={password.length < 8}>Sign in</button>
    </form>
  );
}

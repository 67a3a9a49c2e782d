class LoginForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput)
    password_confirm = forms.CharField(label="Confirm password")

PASSWORD_REGEX = r"^(?=.*[A-Z])(?=.*\d).{12,}$"
grant_type = "password"
auth_type = "password"
token_type = "bearer"

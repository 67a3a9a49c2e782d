password = request.form.get("password")
if check_password_hash(user.password_hash, password):
    login_user(user)
token = jwt.encode(payload, current_app.config["SECRET_KEY"], algorithm="HS256")

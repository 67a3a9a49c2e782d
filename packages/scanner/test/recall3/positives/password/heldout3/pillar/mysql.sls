mysql:
  root_password: Slt_root_pw8
  users:
    app:
      password_hash: '*03A4C7F7ABC659DEAEEB55A92CE3CD6605DEA006'

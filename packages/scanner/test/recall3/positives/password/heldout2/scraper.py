import os
login_data = {'user': 'admin', 'pwd': 'Pwd_form_55'}
pwd = os.getcwd()
kwargs["password"] = "Kw_pw_771"

from flask import Flask

app = Flask(__name__)
app.config['SECRET_KEY'] = 'ce0UvyCg9aQHjoBfvuyKBGHp'
app.config['SESSION_TYPE'] = 'filesystem'
token = jwt.encode(payload, "9NTDqKjh9lE1DLlW8GQT6fpWc05DQPRZ", algorithm="HS256")

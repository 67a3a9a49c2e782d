// Firebase web config
const firebaseConfig = {
  apiKey: "AIzaFD3L-9ilSeEClRZIGr1WpLhHCAt4REhuzri",
  authDomain: "acme-app.firebaseapp.com",
  projectId: "acme-app",
  appId: "1:609888573054:web:50a604ce11801f8781a738",
};
const serverKey = "AAAA9W8WgOR:APA91bKP-QIE0fj-gQNO4GGT0Z7e00ExnFwkyvuLjEgp3DX6BpHEQhBjQsGFpp-v-qF4HMpZCwN3mv60DniuvKLOeLor8c1BEdPtdFBHiQ5ia-b4gIQtC0iOZONuAZZKsSrjgwAiYIYP";

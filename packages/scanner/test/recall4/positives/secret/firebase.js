// Firebase web config
const firebaseConfig = {
  apiKey: "AIzaLW9kesm56thX0dFciNXvs68Jjiq0ESvcPRB",
  authDomain: "acme-app.firebaseapp.com",
  projectId: "acme-app",
  appId: "1:998044948851:web:a7f0099db89bdf697b2882",
};
const serverKey = "AAAAqmE3UUM:APA91b92qYOIqZbhBWY_CpxIQNhKJ1I5prMvoBiC8rwml2XJhRvQ11fLurvNrxDFNwGVNEHgfoKD4p9Dp47KqCKuxTstKMyX94titod58X-6TX5Urtwx_inKOeCrfgStHy_KDA0oS6ps";

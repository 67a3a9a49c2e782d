const { Client, GatewayIntentBits } = require('discord.js');
const client = new Client({ intents: [GatewayIntentBits.Guilds] });
client.login('MLmwsqITcIlfwsHTCpOxpu7JEc.GCOLYg.vX8IeuBsKdQ4EE6FbsSx4nyYNM0gZ4ms1utdSx');
const hook = 'https://discord.com/api/webhooks/285770874184517539/9RcSbl0kos5yhSF_xVwb3QrsQedf1MBRttxfQP-Wa5uWs-CPzkVfUW-XNtW4c8HSQ_Xk';
const GUILD_ID = '089927462132928440';

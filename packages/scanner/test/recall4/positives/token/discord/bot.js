const { Client, GatewayIntentBits } = require('discord.js');
const client = new Client({ intents: [GatewayIntentBits.Guilds] });
client.login('M43iGbhjU7W8u3xFU4JWDlln3s.GHoQK8.d6CsEnrvUbUZf8JMSTco3A3lwomvYGBjBLjMwS');
const hook = 'https://discord.com/api/webhooks/561425720258366415/14lYpmBbGjqDB6wapnILjWzlm2PacqA0emLb6Sd1Ef7iu8QkawmabhCLVJ86mo8Tg1uU';
const GUILD_ID = '303311648905838340';

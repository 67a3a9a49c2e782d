export const app = new App({
  appId: 351234,
  webhookSecret: 'wh_G0XdILejx1N0FXyIrCYNaqXC6PlLNJ',
  privateKey: fs.readFileSync('app.pem', 'utf8'),
});
const installationToken = 'ghs_4oNgfjfIJSUSadX00knojhscrprGT760WBcK';
const runnerToken = 'glrt-Cs1LOXFZ6O_oxEjMe7En';

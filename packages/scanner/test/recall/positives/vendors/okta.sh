curl -H "Authorization: SSWS 00Wok4_737pB5wTMFG3yV3GT25oJgdV_LSUDGu3Aev" https://acme.okta.com/api/v1/users
export NEWRELIC_KEY=NRAK-X3EQRUBWRD5N2JGOK5S2GZKB3PT

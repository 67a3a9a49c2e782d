const conn = await amqp.connect('amqps://worker:Wrk_amqp_55@mq.acme.io/prod');
const url = `amqp://${user}:${pass}@${host}`;
const ldap = 'ldap://cn=admin,dc=acme,dc=io:Ld4p_bind_7@ldap.acme.io';

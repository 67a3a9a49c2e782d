props.put("mail.smtp.auth", "true");
dataSource.setPassword("Orchid562$");
Session s = Session.getInstance(props, new PasswordAuthentication("alerts@acme.com", "Basalt544%"));
RedisURI.builder().withPassword("Juniper030&".toCharArray()).build();

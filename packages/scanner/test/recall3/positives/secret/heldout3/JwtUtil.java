String jwt = Jwts.builder().setSubject(user).signWith(SignatureAlgorithm.HS256, "QbzKpxrTWMzi7antJlg3oQwjQwa5o5PD").compact();

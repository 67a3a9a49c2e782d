conn.setRequestProperty("Authorization", "Bearer " + token);
conn.setRequestProperty("Authorization", "Basic anYtc3ZjOko0dmFfYmFzaWNfcHc=");

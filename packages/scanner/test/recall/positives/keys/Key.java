class Key {
  static final String PEM = "-----BEGIN PRIVATE KEY-----\n" +
      "R0ID/9s6JaSIWgm4ACoYBpn+VRMTu6/jeowZ6SKy2J6KZ94dQl4GzvxO6NUhpoBP\n" +
      "CKw1Rhr/napGrQ5YbJcNQfq7yTrUx0W1Y8Bu0F5aV093OEs3V/F6ovtarBz9gIF0\n" +
      "8dUuOsLEN1FuhnhYtYk+yauwIurt6jSO+6srukVjOmVn8H7zGJgPBW035H3emv5h\n" +
      "nv43ZjML706xMOy5RRw9ikrn3sMs4pX3gnoWAxyHY4S3jcMKC4InNV5HMUomua14\n" +
      "Q9+a+fKMSZaB9fv3z1VDMezIrPHLhIrd+Q/ve8B4IAnm54yP5AiQo/PUGigpCoSQ\n" +
      "4m0XXcDshI26wzc55t2Br5wN08ySei40yf1qnGmiag/OoJT6qJXsLX7+N4nV+QDp\n" +
      "u7dVHoVL1zYmI41ETnSyMT50x1rZnhznt3b80OZccXCxdWO1fbcFt9xl4ht0g/ID\n" +
      "laEG4LvwHgR06W4TgVFN6p/pABAsCGOC8Q6z5eX+q6KA3CY1XW+1/gjfbOlorJy8\n" +
      "-----END PRIVATE KEY-----";
}

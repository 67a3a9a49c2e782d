const headers = {
  Authorization: 'Basic ' + btoa(user + ':' + pass),
  'x-access-token': '8Zj7tEsnNCHB9FGW9Q3WrXZ90RKqCZicglM33X7dvnnTIy5m',
};
fetch(url, { headers: { Authorization: `Bearer ${token}` } });

resource "github_repository_deploy_key" "ci" {
  repository = "infra"
  key        = file("deploy.pub")
}
locals {
  ssh_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nPdGSLh/ui0ZhoTDafj0zdBjxMUaOlSrJRoWlDq0gKLom7qYae0snr+7lLFkTq3+P\noxCMQxYEVFXuQ8UlAzs7bggUotNmtFZokHMt6jWGraA+HsWOZUdiWZOcR4VBcjXg\nAMBT4dT0Nr62jrV2y1gY13hMhNDwjCxOuJA0U4BTiOGxQfqbscGef7P9DpK9GU10\nuZKZaIjSlyQi+gmkGcEo+ZdyM9/dgcmAWedyQ8m1+/8ftY9dEfpSysRY1Cp7ZFhX\nSD8QCier/f85TUHvhQhnO4yii6x8RwvYXM5ij/6ZM7h5rk2Bce/s6b5BltwG/F+x\nGjOtu60h3gWe2JZGxF6+1vCaVVmPZiCVWb6ozi72ldf+Pqn3SgXlqpL9Icf+woie\nLPI/n09fG3PbTmkTurc+WURn7qUDNXyJekFg5kIx==\n-----END OPENSSH PRIVATE KEY-----"
}

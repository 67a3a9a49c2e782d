pipeline {
  stages {
    stage('fetch') {
      steps { sh 'git clone https://oauth2:glpat-MoXG9U679oS8sPncK6QJ@gitlab.example.com/acme/app.git' }
    }
    stage('push') {
      steps { sh 'curl -T out.zip ftp://upload:letmein7@ftp.example.com/drop/' }
    }
  }
}

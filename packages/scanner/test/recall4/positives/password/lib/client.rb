require 'net/ftp'

module Uploader
  class Client
    HOST = 'ftp.partner-files.net'
    USER = 'acme_upload'
    PASS = 'upl0ad-Acme-77'

    def initialize(password: ENV.fetch('FTP_PASSWORD'))
      @password = password
    end

    def connect
      Net::FTP.open(HOST, USER, @password)
    end
  end
end

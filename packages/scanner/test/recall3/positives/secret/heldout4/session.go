const sessionKey = "cmRBOrRbe1iNNMMftN9IoPPFdA5PBPCg"

var primaryKey = "id"

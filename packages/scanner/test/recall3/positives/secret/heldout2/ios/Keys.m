static NSString * const kAPISecret = @"TltdIkYZYYRwbXqIJXZAh33dLqVFeGTI";
static NSString * const kAPIHost = @"api.acme.io";

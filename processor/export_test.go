package processor

// NewCallback exposes newCallback to the external tests.
var NewCallback = newCallback

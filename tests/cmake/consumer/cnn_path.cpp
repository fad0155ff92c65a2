// Where the build writes cnn's artifact, from $<TARGET_PROPERTY:cnn,PT2TS_OUTPUT>.
extern const char* const kCnnPath;
const char* const kCnnPath = CNN_PATH;

package io.carbon.compression;

/** Turns the failure of a native library into one line for the server log. */
final class NativeProblems {

    private NativeProblems() {
    }

    /** The throwable and its causes, "Type: message; caused by Type: message". */
    static String describe(Throwable problem) {
        if (problem == null) {
            return "unknown reason";
        }
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = problem; t != null && depth < 5; t = t.getCause(), depth++) {
            if (depth > 0) {
                text.append("; caused by ");
            }
            text.append(t.getClass().getName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }
}

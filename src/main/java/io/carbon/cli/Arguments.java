package io.carbon.cli;

import java.nio.file.Path;

/** The command line, parsed; {@link #parse} throws IllegalArgumentException with a message for bad usage. */
record Arguments(Path config, boolean check, boolean version, boolean help, boolean genCert, boolean cdsTraining) {

    static Arguments parse(String[] args) {
        Path config = null;
        boolean check = false;
        boolean version = false;
        boolean help = false;
        boolean genCert = false;
        boolean cdsTraining = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--config=")) {
                config = configPath(arg.substring("--config=".length()));
                continue;
            }
            switch (arg) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--config needs a file name");
                    }
                    config = configPath(args[++i]);
                }
                case "--check", "-t" -> check = true;
                case "--version", "-v" -> version = true;
                case "--help", "-h" -> help = true;
                case "--gen-cert" -> genCert = true;
                case "--cds-training" -> cdsTraining = true;
                default -> throw new IllegalArgumentException("unknown option \"" + arg + "\"");
            }
        }
        return new Arguments(config, check, version, help, genCert, cdsTraining);
    }

    private static Path configPath(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("--config needs a file name");
        }
        return Path.of(value);
    }
}

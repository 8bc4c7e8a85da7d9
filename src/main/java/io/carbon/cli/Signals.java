package io.carbon.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TERM and INT stop gracefully, once; a second one exits at once (like nginx's fast shutdown after a slow
 * one hangs). HUP runs the reload action. Handlers run on their own thread, never on an event loop.
 */
final class Signals {

    private Signals() {
    }

    static void install(Runnable gracefulStop, Runnable reload) {
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (!stopping.compareAndSet(false, true)) {
                    Runtime.getRuntime().halt(128 + signal.getNumber());
                }
                Thread stopper = new Thread(gracefulStop, "carbon-shutdown");
                stopper.start();
            });
        }
        Signal.handle(new Signal("HUP"), signal -> new Thread(reload, "carbon-reload").start());
    }
}

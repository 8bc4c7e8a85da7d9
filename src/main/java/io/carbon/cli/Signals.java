package io.carbon.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TERM and INT stop gracefully, once; a second one exits at once (like nginx's fast shutdown after a slow
 * one hangs). HUP runs the reload action, USR1 the log reopening. Handlers run on their own thread, never on an
 * event loop; two reloads never run at once.
 */
final class Signals {

    private Signals() {
    }

    static void install(Runnable gracefulStop, Runnable reload, Runnable reopenLogs) {
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
        Object oneAtATime = new Object();
        Signal.handle(new Signal("HUP"), signal -> new Thread(() -> {
            synchronized (oneAtATime) {
                reload.run();
            }
        }, "carbon-reload").start());
        Signal.handle(new Signal("USR1"), signal -> new Thread(() -> {
            synchronized (oneAtATime) {
                reopenLogs.run();
            }
        }, "carbon-reopen-logs").start());
    }
}

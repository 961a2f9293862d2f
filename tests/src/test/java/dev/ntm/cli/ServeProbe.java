package dev.ntm.cli;

import java.nio.file.Path;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.serve.ServeOptions;
import dev.ntm.serve.ServeRunner;
import dev.ntm.serve.ServedSession;

/**
 * Run in a child JVM by {@link StatCommandTest}: a service that publishes its counters in the file
 * named by the first argument and steps four sessions until its standard input closes; prints
 * {@code ready} once it has stepped, and closes the runner before exiting.
 */
public final class ServeProbe {

    private ServeProbe() {
    }

    public static void main(String[] args) throws Exception {
        NtmModel model = NtmModel.create(NtmConfig.copyTask(), 1);
        try (ServeRunner runner = ServeRunner.start(model, ServeOptions.defaults().withCountersFile(Path.of(args[0])))) {
            ServedSession[] sessions = new ServedSession[4];
            for (int i = 0; i < sessions.length; i++) {
                sessions[i] = runner.open();
            }
            float[] in = new float[model.config().inputSize()];
            float[] out = new float[model.config().outputSize()];
            Thread stdin = new Thread(() -> {
                try {
                    System.in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.io.IOException e) {
                    // closed either way
                }
            });
            stdin.start();
            boolean announced = false;
            while (stdin.isAlive()) {
                for (ServedSession s : sessions) {
                    s.submit(in);
                }
                for (ServedSession s : sessions) {
                    s.await(out);
                }
                if (!announced) {
                    System.out.println("ready");
                    System.out.flush();
                    announced = true;
                }
                Thread.sleep(1);
            }
        }
        System.out.println("closed");
    }
}

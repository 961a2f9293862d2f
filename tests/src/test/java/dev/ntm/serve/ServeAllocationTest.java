package dev.ntm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import dev.ntm.engine.api.NtmModel;
import org.junit.jupiter.api.Test;

/**
 * The steady state allocates nothing, on either side: after warm-up, rounds of steps of eight
 * sessions (submitted together, so they share batches), with a reset now and then and idle-eviction
 * scans running, leave the allocated-bytes counters of the runner thread and of the client thread
 * unchanged ({@code com.sun.management.ThreadMXBean}). As in {@code ZeroAllocationTest}, rounds run
 * until five in a row allocate nothing (the interpreter and C1 allocate what C2 later removes).
 */
class ServeAllocationTest {

    private static final long WARM_UP_NANOS = 90_000_000_000L;
    private static final int CONFIRM_ROUNDS = 5;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void stepsAllocateNothingInTheRunnerOrTheClient() throws Exception {
        NtmModel model = ServeFixtures.model();
        // Eviction on (scans every 250 ms) but never due: the scan must not allocate either.
        ServeOptions options = ServeOptions.defaults().withIdleEviction(Duration.ofSeconds(2));
        try (ServeRunner runner = ServeRunner.start(model, options)) {
            ServedSession[] sessions = new ServedSession[8];
            for (int i = 0; i < sessions.length; i++) {
                sessions[i] = runner.open();
            }
            long runnerThread = runner.threads()[0].threadId();   // known once the runner has answered
            float[] in = new float[model.config().inputSize()];
            float[] out = new float[model.config().outputSize()];
            Runnable round = () -> {
                for (int t = 0; t < 250; t++) {
                    for (ServedSession s : sessions) {
                        if (t == 100) {
                            s.reset();
                        }
                        in[t % in.length] = 1f - in[t % in.length];
                        s.submit(in);
                    }
                    for (ServedSession s : sessions) {
                        s.await(out);
                    }
                }
            };
            THREADS.getCurrentThreadAllocatedBytes();   // the counter's own first call may allocate
            THREADS.getThreadAllocatedBytes(runnerThread);
            int zeros = 0;
            long lastRunner = -1;
            long lastClient = -1;
            long start = System.nanoTime();
            while (zeros < CONFIRM_ROUNDS && System.nanoTime() - start < WARM_UP_NANOS) {
                long runnerBefore = THREADS.getThreadAllocatedBytes(runnerThread);
                long clientBefore = THREADS.getCurrentThreadAllocatedBytes();
                round.run();
                lastClient = THREADS.getCurrentThreadAllocatedBytes() - clientBefore;
                lastRunner = THREADS.getThreadAllocatedBytes(runnerThread) - runnerBefore;
                zeros = lastRunner == 0 && lastClient == 0 ? zeros + 1 : 0;
            }
            assertEquals(0, zeros == CONFIRM_ROUNDS ? 0 : lastRunner, "runner thread bytes per round of 2,000 steps");
            assertEquals(0, zeros == CONFIRM_ROUNDS ? 0 : lastClient, "client thread bytes per round of 2,000 steps");
        }
    }
}

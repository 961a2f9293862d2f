package dev.ntm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.ntm.engine.api.NtmModel;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

/**
 * Many client threads step many sessions through one runner: every session's output stream is
 * bit-identical to the same stream stepped alone on a fresh session (batch invariance under real
 * load, with batches formed by timing), the runner's step count equals the steps submitted (none
 * lost, none duplicated), and closed sessions' recycled states behave as fresh ones.
 *
 * <p>Each session lives twice: it is stepped, closed, and a new session (taking a recycled state
 * from the pool) continues with a new stream. Each client thread drives its sessions together:
 * submits a step to each, then collects every answer, so the runner sees up to one request per
 * session at once. Streams reset their session now and then.
 */
class ServeStressTest {

    /**
     * The size: 64 client threads, 1,000 sessions, 1,000,000 steps (about 20 s on the
     * 2-core machine with the engine's group step, so it runs with every {@code ./ntm test}).
     */
    @Test
    void sixtyFourThreadsAThousandSessionsAMillionSteps() throws Exception {
        stress(64, 1000, 500);
    }

    private static void stress(int threads, int sessions, int stepsPerLife) throws Exception {
        NtmModel model = ServeFixtures.model();
        int x = model.config().inputSize();
        int y = model.config().outputSize();
        float[][] served = new float[2 * sessions][stepsPerLife * y];
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        ServeOptions options = ServeOptions.defaults().withMaxSessions(sessions).withQueueRequests(sessions)
                .withBackPressure(BackPressure.block(Duration.ofSeconds(60))).withReplyTimeout(Duration.ofSeconds(120));
        try (ServeRunner runner = ServeRunner.start(model, options)) {
            Thread[] clients = new Thread[threads];
            for (int k = 0; k < threads; k++) {
                int first = k;
                clients[k] = new Thread(() -> {
                    try {
                        int own = (sessions - first + threads - 1) / threads;
                        ServedSession[] mine = new ServedSession[own];
                        float[] in = new float[x];
                        float[] out = new float[y];
                        for (int life = 0; life < 2; life++) {
                            for (int i = 0; i < own; i++) {
                                mine[i] = runner.open();
                            }
                            for (int t = 0; t < stepsPerLife; t++) {
                                for (int i = 0; i < own; i++) {
                                    int stream = life * sessions + first + i * threads;
                                    if (ServeFixtures.resetsBefore(t)) {
                                        mine[i].reset();
                                    }
                                    ServeFixtures.input(stream, t, in);
                                    mine[i].submit(in);     // copies the input: one array serves all
                                }
                                for (int i = 0; i < own; i++) {
                                    int stream = life * sessions + first + i * threads;
                                    mine[i].await(out);
                                    System.arraycopy(out, 0, served[stream], t * y, y);
                                }
                            }
                            for (ServedSession s : mine) {
                                s.close();
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "client-" + k);
                clients[k].start();
            }
            for (Thread c : clients) {
                c.join();
            }
            assertTrue(errors.isEmpty(), () -> "client errors: " + errors);
            CountersReader c = runner.counters();
            long total = 2L * sessions * stepsPerLife;
            assertEquals(total, ServeFixtures.counter(c, "runner 0: steps"), "steps stepped vs submitted");
            long batches = ServeFixtures.counter(c, "runner 0: batches");
            assertTrue(batches < total, "some batches should hold more than one step: " + batches + " batches for "
                    + total + " steps");
            assertEquals(0, runner.sessionsOpen());
            assertEquals(0, ServeFixtures.counter(c, "runner 0: sessions open"));
            assertEquals(0, ServeFixtures.counter(c, "runner 0: batches failed"));
        }
        for (int stream = 0; stream < 2 * sessions; stream++) {
            ServeFixtures.assertBitIdentical(ServeFixtures.alone(model, stream, stepsPerLife), served[stream], y,
                    "stream " + stream);
        }
    }
}

package dev.ntm.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.api.NtmModel;
import org.junit.jupiter.api.Test;

/**
 * The runner's contract: sessions open, step, reset and close; bad input, closed and evicted
 * sessions are refused with a clear error and leave the session as it was; the session limit and
 * a full queue answer with back-pressure (reject or block, then reject), never with a lost request;
 * closing the runner answers every queued request.
 */
class ServeRunnerTest {

    private final NtmModel model = ServeFixtures.model();
    private final int x = model.config().inputSize();
    private final int y = model.config().outputSize();

    /** Steps {@code s} through stream {@code stream}'s steps [from, to), collecting the outputs. */
    private void steps(ServedSession s, long stream, int from, int to, float[] into) {
        float[] in = new float[x];
        float[] out = new float[y];
        for (int t = from; t < to; t++) {
            if (ServeFixtures.resetsBefore(t)) {
                s.reset();
            }
            ServeFixtures.input(stream, t, in);
            s.step(in, out);
            System.arraycopy(out, 0, into, t * y, y);
        }
    }

    @Test
    void servedSessionsMatchSessionsSteppedAloneAndBadInputChangesNothing() throws Exception {
        try (ServeRunner runner = ServeRunner.start(model, ServeOptions.defaults())) {
            ServedSession a = runner.open();
            ServedSession b = runner.open();
            assertEquals(2, runner.sessionsOpen());
            float[] streamA = new float[50 * y];
            float[] streamB = new float[50 * y];
            steps(a, 1, 0, 20, streamA);
            steps(b, 2, 0, 25, streamB);

            float[] out = new float[y];
            float[] nan = new float[x];
            nan[3] = Float.NaN;
            assertEquals("input[3] = NaN; inputs must be finite",
                    assertThrows(IllegalArgumentException.class, () -> a.step(nan, out)).getMessage());
            assertEquals("input must hold X = " + x + " floats, got " + (x + 1),
                    assertThrows(IllegalArgumentException.class, () -> a.step(new float[x + 1], out)).getMessage());
            assertEquals("input is null; expected " + x + " floats",
                    assertThrows(IllegalArgumentException.class, () -> a.submit(null)).getMessage());
            assertEquals("output must hold Y = " + y + " floats, got 2",
                    assertThrows(IllegalArgumentException.class, () -> a.step(new float[x], new float[2])).getMessage());
            assertThrows(IllegalStateException.class, () -> a.await(out), "nothing is outstanding");

            steps(a, 1, 20, 50, streamA);   // as if the bad calls had not happened
            steps(b, 2, 25, 50, streamB);
            ServeFixtures.assertBitIdentical(ServeFixtures.alone(model, 1, 50), streamA, y, "session a");
            ServeFixtures.assertBitIdentical(ServeFixtures.alone(model, 2, 50), streamB, y, "session b");

            a.close();
            assertFalse(a.isOpen());
            assertEquals(1, runner.sessionsOpen());
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> a.step(new float[x], out));
            assertEquals("session " + a.id() + " is closed", closed.getMessage());
            a.close();  // a second close does nothing
            b.close();
            assertEquals(0, ServeFixtures.counter(runner.counters(), "runner 0: sessions open"));
            assertEquals(100, ServeFixtures.counter(runner.counters(), "runner 0: steps"));
        }
    }

    @Test
    void theSessionLimitRefusesOpensAndARecycledSessionStartsFresh() throws Exception {
        try (ServeRunner runner = ServeRunner.start(model, ServeOptions.defaults().withMaxSessions(3))) {
            List<ServedSession> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(runner.open());
            }
            float[] dirty = new float[40 * y];
            steps(open.get(0), 5, 0, 40, dirty);
            RejectedException e = assertThrows(RejectedException.class, runner::open);
            assertEquals("too many sessions: 3 are open, the limit; close one first or raise maxSessions", e.getMessage());
            assertEquals(1, ServeFixtures.counter(runner.counters(), "sessions refused, limit of 3 reached"));

            open.get(0).close();                 // its state goes back to the pool, reset
            ServedSession again = runner.open(); // and comes out here
            float[] stream = new float[30 * y];
            steps(again, 6, 0, 30, stream);
            ServeFixtures.assertBitIdentical(ServeFixtures.alone(model, 6, 30), stream, y, "recycled session");
        }
    }

    @Test
    void idleSessionsAreEvictedAndSayWhy() throws Exception {
        ServeOptions options = ServeOptions.defaults().withIdleEviction(Duration.ofMillis(100));
        try (ServeRunner runner = ServeRunner.start(model, options)) {
            ServedSession s = runner.open();
            float[] out = new float[y];
            s.step(new float[x], out);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (s.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(s.isOpen(), "the idle session should have been evicted");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.step(new float[x], out));
            assertEquals("session " + s.id() + " was closed by the runner after 100 ms idle (idle eviction); open a "
                    + "new one", e.getMessage());
            assertEquals(0, runner.sessionsOpen());
            assertEquals(1, ServeFixtures.counter(runner.counters(), "runner 0: sessions evicted, idle"));
            s.close();  // closing an evicted session does nothing
        }
    }

    @Test
    void aFullQueueRejectsOrBlocksThenRejectsAndLosesNothing() throws Exception {
        GatedStepper gate = new GatedStepper();
        ServeOptions options = ServeOptions.defaults().withQueueRequests(1).withMaxBatch(4)
                .withStepper((m, b) -> gate);
        try (ServeRunner runner = ServeRunner.start(model, options)) {
            int count = 80;
            ServedSession[] sessions = new ServedSession[count];
            for (int i = 0; i < count; i++) {
                sessions[i] = runner.open(BackPressure.reject());
            }
            ServedSession patient = runner.open(BackPressure.block(Duration.ofMillis(200)));
            float[] in = new float[x];
            gate.arm();
            ServeFixtures.input(0, 0, in);
            sessions[0].submit(in);
            gate.awaitHeld();                    // the runner is busy with session 0's batch

            boolean[] accepted = new boolean[count];
            accepted[0] = true;
            int rejected = 0;
            for (int i = 1; i < count; i++) {
                ServeFixtures.input(i, 0, in);
                try {
                    sessions[i].submit(in);
                    accepted[i] = true;
                } catch (RejectedException e) {
                    assertTrue(e.getMessage().startsWith("the request queue of runner 0 is full ("), e.getMessage());
                    assertTrue(e.getMessage().endsWith("; nothing was submitted, retry later"), e.getMessage());
                    rejected++;
                }
            }
            assertTrue(rejected > 0, "the queue of 1 KB should have filled");
            RejectedException late = assertThrows(RejectedException.class, () -> patient.submit(new float[x]));
            assertTrue(late.getMessage().contains("and stayed full for 200 ms"), late.getMessage());
            assertEquals(rejected + 1, ServeFixtures.counter(runner.counters(), "runner 0: requests rejected, queue full"));

            gate.release();
            float[] out = new float[y];
            int answered = 0;
            for (int i = 0; i < count; i++) {
                if (accepted[i]) {
                    sessions[i].await(out);
                    assertArrayEquals(ServeFixtures.alone(model, i, 1), out, "accepted session " + i);
                    answered++;
                }
            }
            // A rejected session was not touched: its first step is still the first step.
            for (int i = 0; i < count; i++) {
                if (!accepted[i]) {
                    ServeFixtures.input(i, 0, in);
                    sessions[i].step(in, out);
                    assertArrayEquals(ServeFixtures.alone(model, i, 1), out, "rejected session " + i);
                }
            }
            assertEquals(count - rejected, answered);
            assertEquals(count, ServeFixtures.counter(runner.counters(), "runner 0: steps"));
        }
    }

    @Test
    void closingTheRunnerAnswersEveryQueuedRequest() throws Exception {
        GatedStepper gate = new GatedStepper();
        ServeRunner runner = ServeRunner.start(model, ServeOptions.defaults().withStepper((m, b) -> gate));
        ServedSession first = runner.open();
        ServedSession second = runner.open();
        float[] in = new float[x];
        ServeFixtures.input(0, 0, in);
        gate.arm();
        first.submit(in);
        gate.awaitHeld();
        second.submit(in);                     // queued behind the held batch
        Thread closer = new Thread(runner::close);
        closer.start();
        while (!runner.isClosed()) {
            Thread.onSpinWait();
        }
        gate.release();
        closer.join();
        float[] out = new float[y];
        first.await(out);                      // the batch in hand was finished
        assertArrayEquals(ServeFixtures.alone(model, 0, 1), out);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> second.await(out));
        assertEquals("the runner was closed before it answered session " + second.id(), e.getMessage());
        assertThrows(IllegalStateException.class, runner::open);
        assertThrows(IllegalStateException.class, () -> first.step(in, out));
    }
}

package dev.ntm.serve;

import java.util.Iterator;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.DirectBuffer;

/**
 * One runner thread's work (an Agrona {@link Agent}): it owns a set of sessions and a request
 * queue, gathers the pending step requests of up to {@code maxBatch} sessions, steps them together
 * through the {@link BatchStepper}, and answers each caller.
 *
 * <p>Batches are formed from whatever is waiting when the runner looks, without waiting for a batch
 * to fill: at low load a request is stepped alone at once, under load the batches grow by
 * themselves. Requests of one session are handled in the order they were queued; a reset or close
 * first steps the batch gathered so far.
 *
 * <p>Submission is an Agrona {@link ManyToOneRingBuffer}: every caller writes its request (id and
 * inputs, 44 bytes for the copy task) straight into the shared buffer, so the input array is free
 * again when {@code submit} returns and the runner reads one queue instead of polling one per
 * client; per-client one-to-one queues would bound each client separately but make the runner scan
 * them all, and callers come and go. The registry is Agrona's {@link Long2ObjectHashMap}: lookups
 * by a primitive id without boxing, and iteration (for idle eviction) through a cached iterator
 * that allocates nothing (fastutil's entry iterators are new objects per scan).
 */
final class Runner implements Agent, MessageHandler {

    private static final long HEARTBEAT_NANOS = 1_000_000L;

    private final int index;
    private final ServeRunner owner;
    private final RunnerCounters counters;
    private final ManyToManyConcurrentArrayQueue<NtmSession> pool;
    private final BatchStepper stepper;
    private final ManyToOneRingBuffer ring;
    private final ManyToOneConcurrentArrayQueue<ServedSession> opens;
    private final Long2ObjectHashMap<ServedSession> registry;
    private final int maxBatch;
    private final int inputSize;
    private final int stepRecordBytes;
    private final long evictionNanos;
    private final long evictionScanNanos;

    // The batch being gathered.
    private final NtmSession[] sessions;
    private final float[][] inputs;
    private final float[][] outputs;
    private final ServedSession[] members;
    private int count;

    private long now;
    private long nextEvictionScan;
    private long lastHeartbeat;
    private volatile String lastFailure = "none";
    private volatile boolean stopped;

    Runner(int index, NtmModel model, ServeOptions options, RunnerCounters counters,
           ManyToManyConcurrentArrayQueue<NtmSession> pool, ServeRunner owner) {
        this.index = index;
        this.owner = owner;
        this.counters = counters;
        this.pool = pool;
        this.stepper = options.stepper().create(model, options.maxBatch());
        this.inputSize = model.config().inputSize();
        this.maxBatch = options.maxBatch();
        this.stepRecordBytes = Messages.stepRecordBytes(inputSize);
        int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(options.queueRequests() * stepRecordBytes, 1024));
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
                BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64)));
        this.opens = new ManyToOneConcurrentArrayQueue<>(options.maxSessions());
        // Sized so that maxSessions entries never trigger a resize (a resize allocates).
        this.registry = new Long2ObjectHashMap<>(2 * options.maxSessions(), 0.65f);
        this.evictionNanos = options.idleEviction().toNanos();
        this.evictionScanNanos = Math.max(evictionNanos / 8, 1_000_000L);
        this.sessions = new NtmSession[maxBatch];
        this.inputs = new float[maxBatch][inputSize];
        this.outputs = new float[maxBatch][];
        this.members = new ServedSession[maxBatch];
    }

    @Override
    public String roleName() {
        return "ntm-serve-runner-" + index;
    }

    @Override
    public int doWork() {
        now = System.nanoTime();
        int work = drainOpens();
        work += ring.read(this, maxBatch);
        flush();
        if (evictionNanos > 0 && now - nextEvictionScan >= 0) {
            work += evictIdle();
            nextEvictionScan = now + evictionScanNanos;
        }
        counters.queueDepth.setRelease(ring.size() / stepRecordBytes);
        if (now - lastHeartbeat >= HEARTBEAT_NANOS) {
            counters.heartbeat.setRelease(System.currentTimeMillis());
            lastHeartbeat = now;
        }
        return work;
    }

    /** Answers every request still queued with "runner closed" (runner thread, when stopping). */
    @Override
    public void onClose() {
        ServedSession s;
        while ((s = opens.poll()) != null) {
            s.reply(ServedSession.RUNNER_CLOSED);
        }
        flush();
        ring.read((type, buffer, offset, length) -> {
            ServedSession h = registry.get(buffer.getLong(offset + Messages.ID_OFFSET));
            if (h != null) {
                h.reply(ServedSession.RUNNER_CLOSED);
            }
        }, Integer.MAX_VALUE);
        counters.heartbeat.setRelease(System.currentTimeMillis());
        stopped = true;
    }

    @Override
    public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
        ServedSession s = registry.get(buffer.getLong(offset + Messages.ID_OFFSET));
        if (s == null) {
            // Evicted while the request waited: the caller learns it from the session's evicted flag.
            counters.unknownSession.incrementRelease();
            return;
        }
        if (s.inBatch) {
            flush();
        }
        switch (type) {
            case Messages.STEP -> gather(s, buffer, offset + Messages.INPUT_OFFSET);
            case Messages.RESET -> {
                s.session.reset();
                s.lastUsedNanos = now;
                s.reply(ServedSession.DONE);
            }
            case Messages.CLOSE -> {
                registry.remove(s.id());
                recycle(s);
                s.reply(ServedSession.DONE);
            }
            default -> throw new IllegalStateException("unknown request type " + type + " in runner " + index);
        }
    }

    private void gather(ServedSession s, DirectBuffer buffer, int from) {
        int slot = count;
        float[] in = inputs[slot];
        for (int i = 0; i < inputSize; i++) {
            in[i] = buffer.getFloat(from + i * Float.BYTES);
        }
        sessions[slot] = s.session;
        outputs[slot] = s.output;
        members[slot] = s;
        s.inBatch = true;
        count = slot + 1;
        if (count == maxBatch) {
            flush();
        }
    }

    /** Steps the gathered batch and answers its callers. */
    private void flush() {
        int n = count;
        if (n == 0) {
            return;
        }
        int status = ServedSession.DONE;
        try {
            stepper.step(sessions, n, inputs, outputs);
        } catch (RuntimeException | Error e) {
            lastFailure = e.toString();
            status = ServedSession.FAILED;
            counters.failedBatches.incrementRelease();
        }
        for (int i = 0; i < n; i++) {
            ServedSession s = members[i];
            members[i] = null;
            sessions[i] = null;
            outputs[i] = null;
            s.inBatch = false;
            s.lastUsedNanos = now;
            s.reply(status);
        }
        count = 0;
        counters.batch(n);
    }

    private int drainOpens() {
        int n = 0;
        ServedSession s;
        while ((s = opens.poll()) != null) {
            registry.put(s.id(), s);
            s.lastUsedNanos = now;
            counters.sessionsOpen.setRelease(registry.size());
            s.reply(ServedSession.DONE);
            n++;
        }
        return n;
    }

    private int evictIdle() {
        int n = 0;
        Iterator<ServedSession> it = registry.values().iterator();
        while (it.hasNext()) {
            ServedSession s = it.next();
            if (now - s.lastUsedNanos >= evictionNanos) {
                it.remove();
                recycle(s);
                s.markEvicted();
                counters.evicted.incrementRelease();
                n++;
            }
        }
        return n;
    }

    /** Returns a forgotten session's state to the pool, at the initial state. */
    private void recycle(ServedSession s) {
        s.session.reset();
        pool.offer(s.session);
        owner.sessionGone();
        counters.sessionsOpen.setRelease(registry.size());
    }

    /** Queues a request, applying {@code backPressure} when the queue is full (caller thread). */
    void send(int type, ServedSession s, float[] input, BackPressure backPressure) {
        int length = Messages.length(type, inputSize);
        int claimed = ring.tryClaim(type, length);
        if (claimed < 0) {
            claimed = claimBlocking(type, length, backPressure);
        }
        UnsafeBuffer buffer = (UnsafeBuffer) ring.buffer();
        buffer.putLong(claimed + Messages.ID_OFFSET, s.id());
        if (input != null) {
            int from = claimed + Messages.INPUT_OFFSET;
            for (int i = 0; i < inputSize; i++) {
                buffer.putFloat(from + i * Float.BYTES, input[i]);
            }
        }
        ring.commit(claimed);
    }

    private int claimBlocking(int type, int length, BackPressure backPressure) {
        if (backPressure.blocks()) {
            long deadline = System.nanoTime() + backPressure.timeout().toNanos();
            for (int attempt = 0; System.nanoTime() - deadline < 0; attempt++) {
                if (owner.isClosed()) {
                    throw new IllegalStateException("the runner is closed");
                }
                if (attempt < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                int claimed = ring.tryClaim(type, length);
                if (claimed >= 0) {
                    return claimed;
                }
            }
        }
        counters.rejectedFull.increment();
        throw new RejectedException("the request queue of runner " + index + " is full ("
                + (ring.capacity() / stepRecordBytes) + " step requests)"
                + (backPressure.blocks() ? " and stayed full for " + backPressure.timeout().toMillis() + " ms" : "")
                + "; nothing was submitted, retry later");
    }

    /** Hands a newly opened session to the runner (caller thread); the runner answers when it has it. */
    void open(ServedSession s) {
        if (!opens.offer(s)) {
            throw new IllegalStateException("runner " + index + " has more pending opens than the session limit");
        }
    }

    /** Whether the runner thread has stopped and answered what was queued. */
    boolean isStopped() {
        return stopped;
    }

    /** The last failure of the batch stepper, for error messages. */
    String lastFailure() {
        return lastFailure;
    }

    /** Index of this runner. */
    int index() {
        return index;
    }

    /** Step requests waiting in the queue now. */
    int queueDepth() {
        return ring.size() / stepRecordBytes;
    }
}

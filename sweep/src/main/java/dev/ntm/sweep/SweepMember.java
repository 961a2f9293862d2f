package dev.ntm.sweep;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/**
 * One member of a sweep's Hazelcast cluster, configured in code (no XML, no files): bound to
 * one address only, TCP-IP join to the listed members, multicast and auto-detection off, no
 * phone-home, Hazelcast's logging down to warnings, and Java deserialization limited to this
 * module's types and the JDK's. It runs up to {@link MemberSettings#slots()} jobs at once
 * through {@link #EXECUTOR}.
 */
public final class SweepMember implements AutoCloseable {

    /** The executor jobs run on (sized to the member's slots). */
    static final String EXECUTOR = "ntm-sweep-jobs";
    /**
     * The distributed maps of results, by job id, one per run of a sweep (this prefix and a
     * random suffix); one backup: a result outlives one dead member.
     */
    static final String RESULTS = "ntm-sweep-results-";
    /** Where a member keeps its {@link JobRunner} (Hazelcast's user context). */
    static final String RUNNER = "ntm.sweep.runner";
    /** The member attribute that says how many jobs it runs at once. */
    static final String SLOTS = "ntm.slots";

    /**
     * Hazelcast's loggers, held here: java.util.logging keeps loggers weakly, and a level set on
     * one that is collected is lost (its INFO lines then come back).
     */
    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

    private final HazelcastInstance hazelcast;
    private final AutoCloseable runner;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SweepMember(HazelcastInstance hazelcast, AutoCloseable runner) {
        this.hazelcast = hazelcast;
        this.runner = runner;
    }

    /**
     * Starts a member and joins (or forms) its cluster.
     *
     * @param runner runs this member's jobs; closed with the member when it is {@link AutoCloseable}
     * @throws IllegalArgumentException when the bind address is not an address of this machine
     */
    public static SweepMember start(MemberSettings settings, JobRunner runner) {
        checkBindAddress(settings.bind());
        HAZELCAST_LOG.setLevel(Level.WARNING);
        Config config = new Config();
        config.setClusterName(settings.clusterName());
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");      // listen on the one address, not all
        config.setProperty("hazelcast.shutdownhook.enabled", "false"); // close() stops the jobs first
        // a machine that vanishes without closing its connections is declared dead within 20 s
        config.setProperty("hazelcast.heartbeat.interval.seconds", "2");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "20");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(settings.port()).setPortAutoIncrement(true).setPortCount(MemberSettings.PORT_RANGE);
        network.getInterfaces().setEnabled(true).addInterface(settings.bind());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(settings.join());
        // Java serialization carries the jobs and results: accept nothing but them, Hazelcast's and the JDK's
        config.getSerializationConfig().setJavaSerializationFilterConfig(new JavaSerializationFilterConfig()
                .setWhitelist(new ClassFilter().addPrefixes("dev.ntm.sweep.", "java.util.", "java.lang.")));
        config.getMemberAttributeConfig().setAttribute(SLOTS, Integer.toString(settings.slots()));
        config.getExecutorConfig(EXECUTOR).setPoolSize(Math.max(1, settings.slots())).setStatisticsEnabled(false);
        config.getMapConfig(RESULTS + "*").setBackupCount(1).setStatisticsEnabled(false);
        config.getUserContext().put(RUNNER, runner);
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
        return new SweepMember(hz, runner instanceof AutoCloseable c ? c : null);
    }

    private static void checkBindAddress(String bind) {
        if (!bind.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
            throw new IllegalArgumentException("--bind must be an IP address of this machine, e.g. 10.0.0.5; got '"
                    + bind + "'");
        }
        try {
            InetAddress a = InetAddress.getByName(bind);
            if (!a.isLoopbackAddress() && NetworkInterface.getByInetAddress(a) == null) {
                throw new IllegalArgumentException("--bind " + bind + " is not an address of this machine");
            }
        } catch (UnknownHostException | SocketException e) {
            throw new IllegalArgumentException("--bind " + bind + " is not an address of this machine");
        }
    }

    /** The Hazelcast instance. */
    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** This member's address, {@code host:port}. */
    public String address() {
        return address(hazelcast.getCluster().getLocalMember());
    }

    /** The cluster's name. */
    public String clusterName() {
        return hazelcast.getConfig().getClusterName();
    }

    static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    /** The jobs a member runs at once (0 when it says nothing: a member of another kind). */
    static int slots(Member m) {
        try {
            String s = m.getAttribute(SLOTS);
            return s == null ? 0 : Math.max(0, Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Stops this member's jobs (each writes its checkpoint), then leaves the cluster. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (runner != null) {
                runner.close();
            }
        } catch (Exception e) {
            // leaving the cluster matters more; the jobs were run again elsewhere anyway
        } finally {
            hazelcast.shutdown();
        }
    }
}

package dev.ntm.sweep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * How a member of a sweep's cluster is set up.
 *
 * @param clusterName the cluster's name: members of other names are never joined nor let in
 * @param bind        the one address the member listens on (127.0.0.1 by default: nothing from
 *                    outside this machine can reach it)
 * @param port        the port it tries first (the next free one up to {@link #PORT_RANGE} above it
 *                    when taken)
 * @param join        the members to join, {@code HOST[:PORT]} (empty for a first member)
 * @param slots       how many jobs it runs at once (0 for a member that only coordinates)
 */
public record MemberSettings(String clusterName, String bind, int port, List<String> join, int slots) {

    /** Hazelcast's own default port, the first one tried. */
    public static final int DEFAULT_PORT = 5701;
    /** How many ports above {@code port} a member may take when that one is busy. */
    public static final int PORT_RANGE = 100;
    /** The address a member listens on unless told otherwise. */
    public static final String LOOPBACK = "127.0.0.1";

    public MemberSettings {
        join = List.copyOf(join);
        if (clusterName == null || !clusterName.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("--cluster must be 1 to 64 letters, digits, '.', '_' or '-', got '"
                    + clusterName + "'");
        }
        if (port < 1 || port > 65535 - PORT_RANGE) {
            throw new IllegalArgumentException("--port must be in 1.." + (65535 - PORT_RANGE) + ", got " + port);
        }
        if (slots < 0) {
            throw new IllegalArgumentException("--jobs must be 0 or more, got " + slots);
        }
        for (String j : join) {
            checkAddress(j);
        }
    }

    /**
     * The cluster name of a sweep that was given none: derived from its folder, so that two
     * sweeps never share a cluster by accident, and a stranger's cluster is never joined.
     */
    public static String derivedClusterName(String outDir) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(outDir.getBytes(StandardCharsets.UTF_8));
            return "ntm-sweep-" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks {@code HOST[:PORT]}. */
    static void checkAddress(String address) {
        int colon = address.lastIndexOf(':');
        String host = colon < 0 ? address : address.substring(0, colon);
        boolean ok = !host.isBlank() && host.matches("[A-Za-z0-9.\\-]+");
        if (ok && colon >= 0) {
            try {
                int p = Integer.parseInt(address.substring(colon + 1));
                ok = p >= 1 && p <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("--join takes HOST[:PORT] addresses such as 10.0.0.5:5701, got '"
                    + address + "'");
        }
    }
}

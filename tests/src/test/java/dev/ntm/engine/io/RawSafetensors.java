package dev.ntm.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Test helper: a safetensors file taken apart into its parsed header and data bytes, to be
 * edited (corrupted) and put back together. Independent of {@link Safetensors.Reader} so that it
 * can produce files the reader must reject.
 */
final class RawSafetensors {

    final Map<String, Object> header;
    byte[] data;

    private RawSafetensors(Map<String, Object> header, byte[] data) {
        this.header = header;
        this.data = data;
    }

    /** Splits a well-formed file into header and data. */
    static RawSafetensors read(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(all, 8, (int) len, StandardCharsets.UTF_8);
        Map<String, Object> header = Json.parseObject(json, "header");
        return new RawSafetensors(header, Arrays.copyOfRange(all, 8 + (int) len, all.length));
    }

    /** A file of {@code headerJson} (unpadded) followed by {@code data}. */
    static byte[] bytes(String headerJson, byte[] data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    /** The CRC32C of {@code data} as the 8 hex digits the writer stores. */
    static String crc(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return String.format("%08x", (int) c.getValue());
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> meta() {
        return (Map<String, Object>) header.get(Safetensors.METADATA_KEY);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> tensor(String name) {
        Map<String, Object> t = (Map<String, Object>) header.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return t;
    }

    long begin(String name) {
        return (Long) ((List<?>) tensor(name).get("data_offsets")).get(0);
    }

    long end(String name) {
        return (Long) ((List<?>) tensor(name).get("data_offsets")).get(1);
    }

    /** Removes a tensor and its bytes, moving the later tensors down. */
    void removeTensor(String name) {
        long b = begin(name);
        long e = end(name);
        header.remove(name);
        byte[] out = new byte[data.length - (int) (e - b)];
        System.arraycopy(data, 0, out, 0, (int) b);
        System.arraycopy(data, (int) e, out, (int) b, data.length - (int) e);
        data = out;
        for (Map.Entry<String, Object> en : header.entrySet()) {
            if (!en.getKey().equals(Safetensors.METADATA_KEY) && begin(en.getKey()) >= e) {
                long nb = begin(en.getKey()) - (e - b);
                long ne = end(en.getKey()) - (e - b);
                tensor(en.getKey()).put("data_offsets", List.of(nb, ne));
            }
        }
    }

    /** Appends an F32 tensor. */
    void addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        long at = data.length;
        data = Arrays.copyOf(data, data.length + values.length * 4);
        System.arraycopy(b.array(), 0, data, (int) at, values.length * 4);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("dtype", "F32");
        List<Object> s = new ArrayList<>();
        for (long d : shape) {
            s.add(d);
        }
        t.put("shape", s);
        t.put("data_offsets", List.of(at, at + values.length * 4L));
        header.put(name, t);
    }

    /** Overwrites float {@code index} of F32 tensor {@code name}. */
    void setFloat(String name, int index, float v) {
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) begin(name) + 4 * index, v);
    }

    /** Writes the file back; with {@code fixCrc} the stored checksum is recomputed over the data. */
    void write(Path p, boolean fixCrc) throws IOException {
        if (fixCrc) {
            meta().put(Safetensors.CRC_KEY, crc(data));
        }
        Files.write(p, bytes(Json.write(header), data));
    }
}

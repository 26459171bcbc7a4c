package io.github.wsclose;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * The payloads of the compression cases (sections 12 and 13), in the suite's order and of the
 * sizes of its files. The suite compresses five files it ships (JSON, a bitmap, a book, HTML,
 * a PDF); this replay generates, from fixed seeds, payloads of the same kind, type and length,
 * so that they compress about as well. Text payloads are ASCII, so a message of N characters
 * is N bytes, as the suite counts them.
 */
enum CompressionTestData {
    /** Large JSON data (text). */
    JSON(false, 194_056),
    /** A 512x512 greyscale bitmap (binary). */
    BITMAP(true, 263_222),
    /** A book in German (binary, as the suite sends it). */
    BOOK(true, 222_218),
    /** Large HTML (text). */
    HTML(false, 263_647),
    /** A larger PDF, mostly compressed streams (binary). */
    PDF(true, 1_042_328);

    private static final String[] WORDS = {"der", "die", "und", "Faust", "Mephistopheles", "Gretchen", "ich", "nicht",
        "Geist", "Welt", "Natur", "Himmel", "Erde", "wohl", "was", "mir", "Herz", "Nacht", "Licht", "Wagner", "Ach!",
        "\u00fcber", "sch\u00f6n", "Gl\u00fcck", "Tr\u00e4ume", "wei\u00df"};

    private final boolean binary;
    private final int length;
    private byte[] bytes;

    CompressionTestData(boolean binary, int length) {
        this.binary = binary;
        this.length = length;
    }

    boolean binary() {
        return binary;
    }

    /** Message {@code i} of {@code size} bytes: the payload is cut into messages one after the other, wrapping round. */
    synchronized byte[] slice(int i, int size) {
        byte[] data = bytes();
        byte[] message = new byte[size];
        long from = (long) i * size % data.length;
        for (int k = 0; k < size; k++) {
            message[k] = data[(int) ((from + k) % data.length)];
        }
        return message;
    }

    private byte[] bytes() {
        if (bytes == null) {
            bytes = Arrays.copyOf(generate(new Random(name().hashCode())), length);
        }
        return bytes;
    }

    private byte[] generate(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 4096);
        switch (this) {
            case JSON -> {
                out.writeBytes(ascii("[\n"));
                for (int id = 0; out.size() < length; id++) {
                    out.writeBytes(ascii(String.format("  {\"id\": %d, \"name\": \"%s %s\", \"score\": %d.%02d, \"active\": %b, "
                            + "\"tags\": [\"%s\", \"%s\"], \"parent\": %s},%n", id, word(random), word(random), random.nextInt(1000),
                            random.nextInt(100), random.nextBoolean(), word(random), word(random),
                            random.nextInt(4) == 0 ? "null" : Integer.toString(random.nextInt(id + 1)))));
                }
            }
            case BITMAP -> {
                byte[] header = new byte[1078]; // file header, info header and a 256-entry grey palette
                header[0] = 'B';
                header[1] = 'M';
                for (int i = 0; i < 256; i++) {
                    Arrays.fill(header, 54 + 4 * i, 54 + 4 * i + 3, (byte) i);
                }
                out.writeBytes(header);
                for (int y = 0; y < 512; y++) {
                    for (int x = 0; x < 512; x++) {
                        double shade = 128 + 60 * Math.sin(x / 37.0) * Math.cos(y / 23.0) + 30 * Math.sin((x + y) / 91.0);
                        out.write((int) Math.max(0, Math.min(255, shade + random.nextGaussian() * 6)));
                    }
                }
            }
            case BOOK -> {
                while (out.size() < length) {
                    StringBuilder line = new StringBuilder();
                    int words = 4 + random.nextInt(8);
                    for (int w = 0; w < words; w++) {
                        line.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
                    }
                    out.writeBytes(line.append(random.nextInt(5) == 0 ? ".\r\n\r\n" : ",\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            case HTML -> {
                out.writeBytes(ascii("<!DOCTYPE html>\n<html><head><title>data</title></head><body>\n"));
                while (out.size() < length) {
                    out.writeBytes(ascii(String.format("<div class=\"row r%d\"><a href=\"/item/%d\">%s</a> <span>%s %s</span></div>%n",
                            random.nextInt(10), random.nextInt(100_000), word(random), word(random), word(random))));
                }
            }
            case PDF -> {
                out.writeBytes(ascii("%PDF-1.4\n"));
                for (int object = 1; out.size() < length; object++) {
                    int size = 2000 + random.nextInt(20_000);
                    out.writeBytes(ascii(object + " 0 obj\n<< /Length " + size + " /Filter /FlateDecode >>\nstream\n"));
                    byte[] stream = new byte[size];
                    random.nextBytes(stream);
                    out.writeBytes(stream);
                    out.writeBytes(ascii("\nendstream\nendobj\n"));
                }
            }
        }
        return out.toByteArray();
    }

    private static String word(Random random) {
        return WORDS[random.nextInt(20)].toLowerCase(java.util.Locale.ROOT).replace("!", "");
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}

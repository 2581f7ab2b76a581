/*
 * HprofCheck: open an hprof file with the VisualVM heap library (Debian's
 * visualvm package) and print, as one JSON object, what the goheap tests
 * compare with goheap's own figures: classes, instances per class, GC
 * roots by kind, the sum of instance sizes, the retained sizes of the
 * objects containing given addresses, the biggest objects by retained
 * size, the static fields of one class and the stack trace of each thread.
 *
 * usage: java -cp JAR:DIR HprofCheck FILE [--addrs FILE] [--statics CLASS] [--biggest N]
 *        java -cp JAR:DIR HprofCheck --bench FILE    (times: open, retained sizes)
 *
 * Any exception (the library refusing the file) exits non-zero.
 */
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.graalvm.visualvm.lib.jfluid.heap.FieldValue;
import org.graalvm.visualvm.lib.jfluid.heap.GCRoot;
import org.graalvm.visualvm.lib.jfluid.heap.Heap;
import org.graalvm.visualvm.lib.jfluid.heap.HeapFactory;
import org.graalvm.visualvm.lib.jfluid.heap.Instance;
import org.graalvm.visualvm.lib.jfluid.heap.JavaClass;
import org.graalvm.visualvm.lib.jfluid.heap.ThreadObjectGCRoot;

public class HprofCheck {
    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--bench")) {
            bench(new File(args[1]));
            return;
        }
        File file = new File(args[0]);
        List<Long> addrs = new ArrayList<>();
        String staticsOf = null;
        int biggest = 20;
        for (int i = 1; i < args.length; i += 2) {
            if (args[i].equals("--addrs")) {
                for (String l : Files.readAllLines(new File(args[i + 1]).toPath()))
                    if (!l.isBlank()) addrs.add(Long.decode(l.trim()));
            } else if (args[i].equals("--statics")) staticsOf = args[i + 1];
            else if (args[i].equals("--biggest")) biggest = Integer.parseInt(args[i + 1]);
            else throw new IllegalArgumentException("unknown argument " + args[i]);
        }
        Heap heap = HeapFactory.createHeap(file);
        StringBuilder o = new StringBuilder("{");
        List<JavaClass> classes = heap.getAllClasses();
        o.append("\"classes\":").append(classes.size());
        Map<String, long[]> byName = new TreeMap<>();
        for (JavaClass c : classes) {
            long[] v = byName.computeIfAbsent(c.getName(), k -> new long[2]);
            v[0] += c.getInstancesCount();
            v[1] += c.getAllInstancesSize();
        }
        o.append(",\"class_counts\":{");
        boolean first = true;
        for (Map.Entry<String, long[]> e : byName.entrySet()) {
            if (e.getValue()[0] == 0) continue;
            o.append(first ? "" : ",").append(q(e.getKey())).append(":[").append(e.getValue()[0]).append(',')
                .append(e.getValue()[1]).append(']');
            first = false;
        }
        o.append('}');
        long n = 0, sizes = 0, unrooted = 0;
        List<Long> ids = new ArrayList<>();
        for (Iterator<Instance> it = heap.getAllInstancesIterator(); it.hasNext();) {
            Instance in = it.next();
            n++;
            sizes += in.getSize();
            ids.add(in.getInstanceId());
            if (!in.isGCRoot() && in.getNearestGCRootPointer() == null) unrooted++;
        }
        o.append(",\"instances\":").append(n).append(",\"sum_sizes\":").append(sizes);
        o.append(",\"unrooted\":").append(unrooted);
        long staticRefs = 0;
        for (JavaClass c : classes)
            for (FieldValue fv : c.getStaticFieldValues())
                if (fv.getField().getType().getName().equals("object") && !fv.getField().getName().equals("<classLoader>"))
                    staticRefs++;
        o.append(",\"static_refs\":").append(staticRefs);
        o.append(",\"live_instances\":").append(heap.getSummary().getTotalLiveInstances());
        o.append(",\"live_bytes\":").append(heap.getSummary().getTotalLiveBytes());
        Map<String, Integer> kinds = new TreeMap<>();
        List<String> traces = new ArrayList<>();
        for (GCRoot r : heap.getGCRoots()) {
            kinds.merge(r.getKind(), 1, Integer::sum);
            if (r instanceof ThreadObjectGCRoot) {
                StackTraceElement[] st = ((ThreadObjectGCRoot) r).getStackTrace();
                StringBuilder t = new StringBuilder();
                for (StackTraceElement e : st == null ? new StackTraceElement[0] : st)
                    t.append(t.length() > 0 ? " | " : "").append(e.getClassName()).append('.')
                        .append(e.getMethodName()).append(" (").append(e.getFileName()).append(':')
                        .append(e.getLineNumber()).append(')');
                traces.add(t.toString());
            }
        }
        o.append(",\"gc_roots\":").append(heap.getGCRoots().size()).append(",\"roots_by_kind\":{");
        first = true;
        for (Map.Entry<String, Integer> e : kinds.entrySet()) {
            o.append(first ? "" : ",").append(q(e.getKey())).append(':').append(e.getValue());
            first = false;
        }
        o.append("},\"thread_traces\":[");
        for (int i = 0; i < traces.size(); i++) o.append(i > 0 ? "," : "").append(q(traces.get(i)));
        o.append(']');
        if (staticsOf != null) {
            o.append(",\"statics\":{");
            first = true;
            for (JavaClass c : classes) {
                if (!c.getName().equals(staticsOf)) continue;
                for (FieldValue fv : c.getStaticFieldValues()) {
                    o.append(first ? "" : ",").append(q(fv.getField().getName())).append(':')
                        .append(q(String.valueOf(fv.getValue())));
                    first = false;
                }
            }
            o.append('}');
        }
        long t0 = System.nanoTime();
        List<Instance> big = heap.getBiggestObjectsByRetainedSize(biggest);
        o.append(",\"retained_seconds\":").append((System.nanoTime() - t0) / 1e9);
        o.append(",\"biggest\":[");
        for (int i = 0; i < big.size(); i++) {
            Instance in = big.get(i);
            o.append(i > 0 ? "," : "").append("{\"id\":").append(in.getInstanceId()).append(",\"class\":")
                .append(q(in.getJavaClass().getName())).append(",\"size\":").append(in.getSize())
                .append(",\"retained\":").append(in.getRetainedSize()).append('}');
        }
        o.append("],\"retained\":{");
        long[] sorted = ids.stream().mapToLong(Long::longValue).sorted().toArray();
        for (int i = 0; i < addrs.size(); i++) {
            long a = addrs.get(i);
            int k = Arrays.binarySearch(sorted, a);
            if (k < 0) k = -k - 2;   /* the object whose id (slot address) is the last <= a */
            long ret = -1;
            if (k >= 0) ret = heap.getInstanceByID(sorted[k]).getRetainedSize();
            o.append(i > 0 ? "," : "").append('"').append(a).append("\":").append(ret);
        }
        o.append("}}");
        System.out.println(o);
    }

    /* Open, then compute every retained size (what a viewer's dominator view needs). */
    static void bench(File file) throws Exception {
        long t0 = System.nanoTime();
        Heap heap = HeapFactory.createHeap(file);
        long instances = heap.getSummary().getTotalLiveInstances();
        long t1 = System.nanoTime();
        List<Instance> big = heap.getBiggestObjectsByRetainedSize(10);
        long t2 = System.nanoTime();
        System.out.printf("visualvm_instances %d%n", instances);
        System.out.printf("visualvm_open_seconds %.3f%n", (t1 - t0) / 1e9);
        System.out.printf("visualvm_retained_seconds %.3f%n", (t2 - t1) / 1e9);
        System.out.printf("visualvm_total_seconds %.3f%n", (t2 - t0) / 1e9);
        System.out.printf("visualvm_biggest_retained %d%n", big.isEmpty() ? 0 : big.get(0).getRetainedSize());
    }
}

// Command compare reads `go test -bench` output (several -count runs) and
// prints a Markdown table: per benchmark group, our median ns/op and
// allocs/op beside each other variant's (peer or floor), the ratio and the
// difference, then the targets evaluated on those medians.
//
//	go test -run '^$' -bench . -benchmem -count 6 | tee out.txt
//	go run ./cmd/compare out.txt
//
// Benchmark names are Benchmark<Group>/<...>/<variant>[-cpu]; the variant
// "ours" (or "codec" in BenchmarkCodec) is ours, every other variant of the
// same group is compared with it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

type sample struct{ ns, allocs, bytes []float64 }

type entry struct {
	group, variant string
	cpu            int
}

var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-(\d+))?\s+\d+\s+([\d.]+) ns/op(.*)$`)

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	samples := map[entry]*sample{}
	var order []entry
	cpus := map[string]map[int]bool{}
	skipped := map[string]string{}
	var lastName string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		t := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(t), "--- SKIP: Benchmark") {
			lastName = strings.Fields(strings.TrimSpace(t))[2]
			continue
		}
		if lastName != "" {
			if s := strings.TrimSpace(t); strings.Contains(s, ".go:") {
				skipped[lastName] = s[strings.Index(s, " ")+1:]
			}
			lastName = ""
		}
		m := line.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		name := m[1]
		cpu := 0
		if m[2] != "" {
			cpu, _ = strconv.Atoi(m[2])
		}
		if cpu == 0 {
			cpu = 1
		}
		i := strings.LastIndex(name, "/")
		e := entry{group: name, variant: "", cpu: cpu}
		if i >= 0 {
			e.group, e.variant = name[:i], name[i+1:]
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		s := samples[e]
		if s == nil {
			s = &sample{}
			samples[e] = s
			order = append(order, e)
		}
		s.ns = append(s.ns, ns)
		s.allocs = append(s.allocs, unit(m[4], "allocs/op"))
		s.bytes = append(s.bytes, unit(m[4], "B/op"))
		if cpus[e.group] == nil {
			cpus[e.group] = map[int]bool{}
		}
		cpus[e.group][cpu] = true
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "compare: no benchmark lines in the input")
		os.Exit(1)
	}

	label := func(e entry) string {
		if len(cpus[e.group]) > 1 {
			return fmt.Sprintf("%s (cpu %d)", e.group, e.cpu)
		}
		return e.group
	}
	med := func(e entry) (ns, allocs, spread float64, ok bool) {
		s := samples[e]
		if s == nil {
			return 0, 0, 0, false
		}
		ns = median(s.ns)
		lo, hi := minmax(s.ns)
		return ns, median(s.allocs), 100 * (hi - lo) / 2 / ns, true
	}

	fmt.Println("| benchmark | ours ns/op | ours allocs | vs | their ns/op | their allocs | their/ours time | ours − theirs |")
	fmt.Println("|---|---:|---:|---|---:|---:|---:|---:|")
	seen := map[string]bool{}
	for _, e := range order {
		key := fmt.Sprint(e.group, e.cpu)
		if seen[key] {
			continue
		}
		seen[key] = true
		oursE := entry{group: e.group, variant: oursVariant(e.group), cpu: e.cpu}
		ons, oal, osp, ok := med(oursE)
		if !ok {
			// A group without ours: print each variant alone (floors such as Bare).
			for _, o := range order {
				if o.group == e.group && o.cpu == e.cpu {
					ns, al, sp, _ := med(o)
					name := label(o)
					if o.variant != "" {
						name += "/" + o.variant
					}
					fmt.Printf("| %s | | | %s | %s ±%.0f%% | %.0f | | |\n", name, "floor", dur(ns), sp, al)
				}
			}
			continue
		}
		for _, o := range order {
			if o.group != e.group || o.cpu != e.cpu || o == oursE {
				continue
			}
			tns, tal, tsp, _ := med(o)
			fmt.Printf("| %s | %s ±%.0f%% | %.0f | %s | %s ±%.0f%% | %.0f | %.2f× | %s |\n",
				label(e), dur(ons), osp, oal, o.variant, dur(tns), tsp, tal, tns/ons, signed(ons-tns))
		}
	}
	for name, why := range skipped {
		fmt.Printf("\nskipped %s: %s\n", name, why)
	}

	// The targets, on the medians above.
	get := func(group, variant string) (float64, float64, bool) {
		for _, e := range order {
			if e.group == group && e.variant == variant {
				ns, al, _, ok := med(e)
				return ns, al, ok
			}
		}
		return 0, 0, false
	}
	fmt.Println()
	fmt.Println("| target | measured | met |")
	fmt.Println("|---|---|---|")
	target := func(name string, measured string, met bool, ok bool) {
		if !ok {
			fmt.Printf("| %s | not measured | – |\n", name)
			return
		}
		fmt.Printf("| %s | %s | %s |\n", name, measured, yes(met))
	}
	for _, size := range []string{"5key", "2KB"} {
		o, oa, ok1 := get("Memory/"+size+"/change", "ours")
		p, pa, ok2 := get("Memory/"+size+"/change", "scs")
		target("memory "+size+" change: ≥5× faster than scs, ≤¼ its allocs",
			fmt.Sprintf("%.2f× faster, %.0f vs %.0f allocs (%.2f)", p/o, oa, pa, oa/pa), p/o >= 5 && oa <= pa/4, ok1 && ok2)
		r, _, ok1 := get("Memory/"+size+"/read", "ours")
		f, _, ok2 := get("Memory/"+size+"/read", "bare")
		target("memory "+size+" read: ≤3 µs over the bare request", fmt.Sprintf("+%s", dur(r-f)), r-f <= 3000, ok1 && ok2)
		for _, w := range []string{"read", "change", "create"} {
			o, _, ok1 = get("Cookie/"+size+"/"+w, "ours")
			p, _, ok2 = get("Cookie/"+size+"/"+w, "gorilla")
			target("cookie "+size+" "+w+": ≥3× faster than gorilla CookieStore", fmt.Sprintf("%.2f×", p/o), p/o >= 3, ok1 && ok2)
		}
		for _, w := range []string{"read", "change", "create"} {
			o, _, ok1 = get("File/"+size+"/"+w, "ours")
			p, _, ok2 = get("File/"+size+"/"+w, "gorilla")
			target("file "+size+" "+w+": ≥2× faster than gorilla FilesystemStore", fmt.Sprintf("%.2f×", p/o), p/o >= 2, ok1 && ok2)
		}
		for _, w := range []string{"read", "change", "create"} {
			o, _, ok1 = get("Redis/"+size+"/"+w, "ours")
			p, _, ok2 = get("Redis/"+size+"/"+w, "raw")
			target("redis "+size+" "+w+": within 1.2× of raw go-redis", fmt.Sprintf("%.2f× of raw", o/p), o/p <= 1.2, ok1 && ok2)
		}
		for _, w := range []string{"read", "change", "create"} {
			o, _, ok1 = get("Postgres/"+size+"/"+w, "ours")
			p, _, ok2 = get("Postgres/"+size+"/"+w, "raw-gorm")
			target("postgres "+size+" "+w+": within 1.2× of raw GORM", fmt.Sprintf("%.2f× of raw GORM", o/p), o/p <= 1.2, ok1 && ok2)
		}
	}
	for _, op := range []string{"encode", "decode"} {
		o, oa, ok1 := get("Codec/"+op, "codec")
		if op == "decode" {
			o, oa, ok1 = get("Codec/"+op, "codec-tracked")
		}
		j, ja, ok2 := get("Codec/"+op, "json")
		g, _, ok3 := get("Codec/"+op, "gob")
		target("codec "+op+": ≥2× faster than json with fewer allocs, far faster than gob",
			fmt.Sprintf("%.1f× json (%.0f vs %.0f allocs), %.1f× gob", j/o, oa, ja, g/o), j/o >= 2 && oa < ja && g/o >= 5, ok1 && ok2 && ok3)
	}
}

func oursVariant(group string) string {
	if strings.HasPrefix(group, "Codec/") {
		return "codec"
	}
	return "ours"
}

func unit(rest, name string) float64 {
	f := strings.Fields(rest)
	for i := 1; i < len(f); i++ {
		if f[i] == name {
			v, _ := strconv.ParseFloat(f[i-1], 64)
			return v
		}
	}
	return 0
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minmax(v []float64) (float64, float64) {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// dur prints nanoseconds as µs (or ns below 1 µs).
func dur(ns float64) string {
	if ns < 0 {
		return "-" + dur(-ns)
	}
	if ns < 1000 {
		return fmt.Sprintf("%.0f ns", ns)
	}
	return fmt.Sprintf("%.1f µs", ns/1000)
}

func signed(ns float64) string {
	if ns >= 0 {
		return "+" + dur(ns)
	}
	return dur(ns)
}

func yes(b bool) string {
	if b {
		return "met"
	}
	return "**not met**"
}

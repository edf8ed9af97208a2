// cosim.cpp: the Verilator harness. Loads an hxdp image into the RTL through the
// register interface (rows, constants, map configuration, initial map contents from
// the C model after maps.json), streams every packet of the pcaps through the AXI4-Stream
// port and compares, per packet, with `hxdp run --engine sim` (model.c): the action,
// the output bytes, the redirect target, every map's contents and the cycle count.
#ifndef HX_LANES
#define HX_LANES 4	/* the core's N (hw/rtl.mk HW_LANES) */
#endif
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "Vhxdp_top.h"
#include "Vhxdp_top___024root.h"
#include "Vhxdp_top_hxdp_top.h"
/* hw/rtl.mk passes -GN=HX_LANES, and Verilator names the hx_nic it specializes after N */
#define HX_STR_(x) #x
#define HX_STR(x) HX_STR_(x)
#define HX_NIC_H_(n) HX_STR(Vhxdp_top_hx_nic__N##n.h)
#define HX_NIC_H(n) HX_NIC_H_(n)
#include HX_NIC_H(HX_LANES)
#include "verilated.h"
extern "C" {
#include "image.h"
#include "maps.h"
#include "env.h"
#include "pcap.h"
}
#include "model.h"

static const uint32_t MAPMEM = 65536, KEYMEM = 32768, NSLOTS = 4096;

struct rtl {
	Vhxdp_top *t;
	uint64_t cyc = 0;
	void tick()
	{
		t->clk = 0; t->eval();
		t->clk = 1; t->eval();
		cyc++;
	}
	void wr(uint32_t a, uint64_t d)
	{
		t->cfg_we = 1; t->cfg_addr = a; t->cfg_wdata = d;
		tick();
		t->cfg_we = 0;
	}
	uint64_t op(uint32_t a, uint64_t d)	// a write whose result is read in its cycle
	{
		t->cfg_we = 1; t->cfg_addr = a; t->cfg_wdata = d;
		t->clk = 0; t->eval();
		uint64_t r = t->cfg_rdata;
		t->clk = 1; t->eval();
		cyc++;
		t->cfg_we = 0;
		return r;
	}
};

struct layout { uint32_t vbase, vsize, kbase, slog, sbase, nslots, esz; };

static uint32_t log2ceil(uint32_t v)
{
	uint32_t l = 0;
	while ((1u << l) < v)
		l++;
	return l;
}

static int load(rtl &r, cosim_model *m, std::vector<layout> &lay, char *why, size_t n)
{
	const image *img = model__image(m);
	hxdp_env *env = model__env(m);
	uint32_t vb = 0, kb = 0, sb = 0;

	for (uint32_t row = 0; row < img->nrows; row++)
		for (uint32_t l = 0; l < img->lanes; l++) {
			uint64_t w;
			memcpy(&w, image__word(img, row, l), 8);
			r.wr(0x00000000u | row << 3 | l, w);
		}
	for (uint32_t k = 0; k < img->nconsts; k++)
		r.wr(0x10000000u | k, img->consts[k]);
	r.wr(0xc0000000u, model__entry_row(m));
	r.wr(0x50000000u, env->ktime_ns);
	r.wr(0x60000000u, env->ktime_step);
	r.wr(0x70000000u, env->prandom);
	lay.resize(env->nmaps);
	for (uint32_t i = 0; i < env->nmaps; i++) {
		hxdp_map *mp = model__map(m, i);
		layout &L = lay[i];
		int hash = model__is_hash(mp->type);

		L.nslots = hash ? 1u << log2ceil(mp->max_entries * 2 < 4 ? 4 : mp->max_entries * 2)
				: mp->type == 14 ? mp->max_entries : 0;
		L.slog = hash ? log2ceil(L.nslots) : 0;
		/* per-CPU maps: an element holds ncpus values; the core is CPU 0 */
		L.esz = mp->elem_size * mp->ncpus;
		L.vsize = hash ? L.nslots * L.esz : mp->values_size;
		L.vbase = vb; L.kbase = kb; L.sbase = sb;
		vb += (L.vsize + 7) & ~7u;
		kb += hash ? L.nslots * mp->key_size : 0;
		sb += L.nslots;
		if (vb > MAPMEM || kb > KEYMEM || sb > NSLOTS)
			return snprintf(why, n, "maps need %u value / %u key bytes, %u slots: more "
					"than this build's %u / %u / %u", vb, kb, sb, MAPMEM, KEYMEM,
					NSLOTS), -1;
		uint32_t c = 0x20000000u | i << 4;
		uint64_t f[] = { mp->type, mp->key_size, mp->value_size, mp->max_entries,
				 L.esz, L.vbase, L.vsize, L.kbase, L.slog, L.sbase,
				 (uint64_t)mp->rdonly_prog, 0 };
		for (uint32_t k = 0; k < 12; k++)
			r.wr(c | k, f[k]);
	}
	r.wr(0x20000000u | 0x3f << 4, env->nmaps);
	for (uint32_t i = 0; i < env->nmaps; i++) {
		hxdp_map *mp = model__map(m, i);
		layout &L = lay[i];

		if (!model__is_hash(mp->type)) {
			for (uint32_t b = 0; b < mp->values_size; b++)
				if (mp->values[b])
					r.wr(0x80000000u | (L.vbase + b), mp->values[b]);
			if (mp->type == 14)
				for (uint32_t k = 0; k < mp->max_entries; k++)
					if (map__lookup(mp, &k, 0) >= 0)
						r.wr(0xa0000000u | (L.sbase + k), 1);
			continue;
		}
		std::vector<uint8_t> key(mp->key_size), next(mp->key_size);
		int e = map__next_key(mp, NULL, next.data());
		while (!e) {
			int64_t off = map__lookup(mp, next.data(), 0);
			for (uint32_t b = 0; b < mp->key_size; b++)
				r.wr(0x30000000u | b, next[b]);
			for (uint32_t b = 0; b < mp->value_size; b++)
				r.wr(0x30000000u | (256 + b), mp->values[off + b]);
			uint64_t ret = r.op(0x40000000u, 1u << 8 | i);
			if (ret)
				return snprintf(why, n, "map %s: the hardware refused an initial entry "
						"(%lld)", mp->name, (long long)ret), -1;
			key = next;
			e = map__next_key(mp, key.data(), next.data());
		}
	}
	return 0;
}

static int check_maps(rtl &r, cosim_model *m, const std::vector<layout> &lay, char *why, size_t n)
{
	auto *nic = r.t->rootp->hxdp_top->nic;
	hxdp_env *env = model__env(m);

	for (uint32_t i = 0; i < env->nmaps; i++) {
		hxdp_map *mp = model__map(m, i);
		const layout &L = lay[i];
		std::vector<uint8_t> vals(L.vsize), kv;
		uint32_t nkv = 0;

		for (uint32_t b = 0; b < L.vsize; b++)
			vals[b] = nic->mv[L.vbase + b];
		if (model__is_hash(mp->type))
			for (uint32_t s = 0; s < L.nslots; s++) {
				if (!nic->ms[L.sbase + s])
					continue;
				for (uint32_t b = 0; b < mp->key_size; b++)
					kv.push_back(nic->mk[L.kbase + s * mp->key_size + b]);
				for (uint32_t b = 0; b < mp->value_size; b++)
					kv.push_back(vals[s * L.esz + b]);
				nkv++;
			}
		if (model__map_check(m, i, vals.data(), L.vsize, kv.data(), nkv, why, n))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	if (argc < 4) {
		fprintf(stderr, "usage: cosim IMAGE MAPS.json|- PCAP... [-v]\n");
		return 2;
	}
	char err[512], why[512];
	cosim_model *m;
	int verbose = 0;
	std::vector<const char *> pcaps;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) verbose = 1;
		else pcaps.push_back(argv[i]);
	}
	if (model__open(argv[1], strcmp(argv[2], "-") ? argv[2] : NULL, &m, err, sizeof(err))) {
		fprintf(stderr, "cosim: %s\n", err);
		return 2;
	}
	hw_caps caps = { HX_LANES, 2048, 1024, 16, 0 };
	if (hw__check(model__image(m), &caps, why, sizeof(why))) {
		printf("skip %s: %s\n", argv[1], why);
		model__close(m);
		return 77;
	}
	rtl r;
	r.t = new Vhxdp_top;
	r.t->rst = 1;
	r.tick(); r.tick();
	r.t->rst = 0;
	std::vector<layout> lay;
	if (load(r, m, lay, why, sizeof(why))) {
		printf("skip %s: %s\n", argv[1], why);
		delete r.t;
		model__close(m);
		return 77;
	}
	uint64_t npk = 0, dv = 0, db = 0, dm = 0, dc = 0, refused = 0, cyc_sum = 0;
	for (const char *pc : pcaps) {
		hxdp_pkts pk;
		if (pcap__read(pc, &pk, err, sizeof(err))) {
			fprintf(stderr, "cosim: %s\n", err);
			return 2;
		}
		for (uint32_t p = 0; p < pk.n; p++) {
			model_res mr;
			if (model__run(m, pk.pkt[p].data, pk.pkt[p].len, &mr)) {
				refused++;
				continue;
			}
			npk++;
			if (getenv("COSIM_DEBUG"))
				fprintf(stderr, "pkt %u len %u cyc %llu\n", p + 1, pk.pkt[p].len,
					(unsigned long long)r.cyc);
			const uint8_t *d = pk.pkt[p].data;
			uint32_t len = pk.pkt[p].len, nf = (len + 31) / 32;
			for (uint32_t f = 0; f < nf; f++) {
				for (int w = 0; w < 8; w++) {
					uint32_t v = 0;
					for (int b = 0; b < 4; b++) {
						uint32_t o = f * 32 + w * 4 + b;
						v |= (uint32_t)(o < len ? d[o] : 0) << (8 * b);
					}
					r.t->s_data[w] = v;
				}
				r.t->s_valid = 1; r.t->s_last = f + 1 == nf; r.t->s_len = len;
				while (!r.t->s_ready) r.tick();
				r.tick();
			}
			r.t->s_valid = 0;
			std::vector<uint8_t> out;
			int got = 0, emit = 0, last = 0;
			uint64_t act = 0, fault = 0, cycles = 0, tk = 0, ta = 0, tb = 0;
			for (uint64_t lim = r.cyc + 20000; r.cyc < lim && !(got && (!emit || last)); ) {
				r.tick();
				if (r.t->v_valid) {
					got = 1; act = r.t->v_action; fault = r.t->v_fault;
					cycles = r.t->v_cycles; tk = r.t->v_tgt_kind;
					ta = r.t->v_tgt_a; tb = r.t->v_tgt_b;
					emit = !fault && (act == 2 || act == 3 || act == 4);
				}
				if (r.t->m_valid) {
					uint32_t ml = r.t->m_len;
					for (int w = 0; w < 8; w++)
						for (int b = 0; b < 4; b++)
							if (out.size() < ml)
								out.push_back(r.t->m_data[w] >> (8 * b));
					last = r.t->m_last;
				}
			}
			if (!got) {
				printf("  %s packet %u: no verdict from the RTL\n", pc, p + 1);
				return 1;
			}
			int emit_c = !mr.fault && (mr.action == 2 || mr.action == 3 || mr.action == 4);
			int bad_v = !got || act != mr.action || (fault != 0) != (mr.fault != 0) ||
				    (mr.action == 4 && (tk != mr.tgt_kind || ta != mr.tgt_a || tb != mr.tgt_b));
			int bad_b = emit_c && (out.size() != mr.out_len || memcmp(out.data(), mr.out, mr.out_len));
			int bad_c = cycles != mr.cycles;
			if (bad_b && getenv("COSIM_DEBUG")) {
				fprintf(stderr, "out len rtl %zu model %u:", out.size(), mr.out_len);
				for (uint32_t b = 0; b < mr.out_len && b < 48; b++)
					fprintf(stderr, " %02x/%02x", b < out.size() ? out[b] : 0, mr.out[b]);
				fprintf(stderr, "\n");
			}
			int bad_m = check_maps(r, m, lay, why, sizeof(why));
			dv += bad_v; db += bad_b; dc += bad_c; dm += bad_m;
			cyc_sum += cycles;
			if ((bad_v || bad_b || bad_c || bad_m) && (verbose || dv + db + dc + dm <= 5))
				printf("  %s packet %u: action rtl %llu model %llu%s%s, cycles rtl %llu "
				       "model %u%s%s%s\n", pc, p + 1, (unsigned long long)act,
				       (unsigned long long)mr.action, fault ? " (fault)" : "",
				       mr.fault ? " (model fault)" : "", (unsigned long long)cycles,
				       mr.cycles, bad_b ? ", bytes differ" : "", bad_m ? ", maps: " : "",
				       bad_m ? why : "");
		}
		pcap__free(&pk);
	}
	printf("%s: %llu packets (%llu refused), differences: verdict %llu, bytes %llu, maps %llu, "
	       "cycles %llu; rtl cycles/packet %.2f\n", argv[1], (unsigned long long)npk,
	       (unsigned long long)refused, (unsigned long long)dv, (unsigned long long)db,
	       (unsigned long long)dm, (unsigned long long)dc, npk ? (double)cyc_sum / npk : 0.0);
	delete r.t;
	model__close(m);
	return dv + db + dm + dc ? 1 : 0;
}

/*
 * dot.c - Graphviz pictures of part of the object graph; see
 * include/goheap/dot.h and NOTES.md beside this file.
 *
 * The only file that calls cgraph and gvc. Held pictures live in a cgraph
 * graph opened with an I/O discipline that writes through the outfile, so
 * agwrite's output is all or nothing like every other writer's; rendered
 * formats are laid out and rendered into memory by gvc, then written
 * through the outfile too. Streamed pictures never touch cgraph: the same
 * attributes, formatted by the same functions, are written as DOT text
 * as they come.
 */
#include "goheap/dot.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#ifdef GOHEAP_HAVE_GVC
#include <graphviz/gvc.h>
#endif

#include "util/human.h"
#include "util/diag.h"
#include "util/outfile.h"

/* Longest name shown in a label; longer ones are cut (the tooltip keeps all). */
#define LABEL_NAME_MAX 96

/* A growable string. */
typedef struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_fmt(sbuf *b, const char *fmt, ...) GOHEAP_PRINTF(2, 3);
static void sb_fmt(sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_reset(sbuf *b)
{
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
}

/*
 * The length of the valid UTF-8 sequence at s (n bytes left), and its code
 * point; 0 when the bytes there are not one (overlong, surrogate, past
 * U+10FFFF, cut short).
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/*
 * Whether Graphviz reads a backslash before c as one of its object
 * escapes (\N the node's name, \G the graph's, \E, \H, \T, \L). It does
 * so in HTML-like labels too, and even after an escaped backslash, so a
 * zero-width space is put between such a backslash and the letter.
 */
static bool subst_letter(char c)
{
	return c && strchr("GNEHTL", c) != NULL;
}

/*
 * Text for an HTML-like label: markup characters, backslashes and every
 * byte outside printable ASCII become entities (invalid UTF-8 and control
 * characters U+FFFD), so the label is plain ASCII whatever the name held.
 * A backslash before G, N, E, H, T or L is followed by a zero-width
 * space (subst_letter). At most max bytes of s are shown (0: all), then
 * "...".
 */
static void sb_html(sbuf *b, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	for (size_t i = 0; i < n;) {
		if (max && i >= max) {
			sb_str(b, "...");
			return;
		}
		uint32_t cp;
		size_t len = utf8_seq(s + i, n - i, &cp);
		if (len == 0) {
			cp = 0xfffd;
			len = 1;
		}
		switch (cp) {
		case '&': sb_str(b, "&amp;"); break;
		case '<': sb_str(b, "&lt;"); break;
		case '>': sb_str(b, "&gt;"); break;
		case '"': sb_str(b, "&quot;"); break;
		case '\'': sb_str(b, "&#39;"); break;
		case '\\':
			sb_str(b, "&#92;");
			if (i + 1 < n && subst_letter(str[i + 1]))
				sb_str(b, "&#x200B;");
			break;
		default:
			if (cp < 0x20 || cp == 0x7f)
				sb_str(b, "&#xFFFD;");
			else if (cp >= 0x80)
				sb_fmt(b, "&#x%" PRIX32 ";", cp);
			else
				sb_add(b, (const char *)s + i, 1);
		}
		i += len;
	}
}

/*
 * Text for a quoted DOT string that Graphviz reads as an escString (a
 * tooltip): backslashes doubled, so none starts an escape (\N, \G, \n) or
 * swallows the closing quote; quotes escaped when the caller writes the
 * quotes itself (cgraph's agwrite escapes them for held graphs); control
 * characters as spaces; invalid UTF-8 as '?'; a zero-width space after a
 * backslash that would start an object escape (subst_letter).
 */
static void sb_plain(sbuf *b, const char *str, bool quotes)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_seq(s + i, n - i, &cp);
		if (len == 0) {
			sb_add(b, "?", 1);
			i++;
			continue;
		}
		if (cp == '\\') {
			sb_str(b, "\\\\");
			if (i + 1 < n && subst_letter(str[i + 1]))
				sb_str(b, "\xe2\x80\x8b");
		} else if (cp == '"' && quotes) {
			sb_str(b, "\\\"");
		} else if (cp < 0x20 || cp == 0x7f) {
			sb_add(b, " ", 1);
		} else {
			sb_add(b, (const char *)s + i, len);
		}
		i += len;
	}
}

/*
 * The fill colour of a colour key: a light tint whose hue and saturation
 * come from an FNV-1a hash of the key, so a type has one colour in every
 * picture, of every dump.
 */
static void key_colour(const char *key, char *buf, size_t len)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	double hue = (double)(h % 1000) / 1000.0;
	double sat = 0.16 + (double)((h >> 10) % 5) * 0.04;
	snprintf(buf, len, "%.3f %.3f 1.000", hue, sat);
}

/* Graph-wide attributes, and the node and edge defaults (name, value). */
static const char *const graph_attrs[][2] = {
	{ "rankdir", "TB" },
	{ "labelloc", "t" },
	{ "fontname", "Helvetica" },
	{ "fontsize", "12" },
};
static const char *const node_defaults[][2] = {
	{ "shape", "box" },
	{ "style", "rounded,filled" },
	{ "fillcolor", "#eeeeee" },
	{ "color", "#444444" },
	{ "penwidth", "1" },
	{ "fontname", "Helvetica" },
	{ "fontsize", "10" },
	{ "label", "\\N" },
	{ "tooltip", "" },
	{ "goheap_kind", "object" },
	{ "goheap_addr", "" },
	{ "goheap_shallow", "0" },
	{ "goheap_retained", "0" },
};
static const char *const edge_defaults[][2] = {
	{ "color", "#555555" },
	{ "style", "solid" },
	{ "fontname", "Helvetica" },
	{ "fontsize", "9" },
	{ "label", "" },
};
#define NATTRS(a) (sizeof(a) / sizeof(a)[0])

/* The style of a root: an octagon in gold, apart from every object's tint. */
#define ROOT_SHAPE "octagon"
#define ROOT_STYLE "filled"
#define ROOT_FILL "#ffd54f"
#define HIGHLIGHT_COLOUR "#d50000"
#define HIGHLIGHT_WIDTH "3"

/* One attribute of a node or edge being added. */
typedef struct attr {
	const char *name;
	const char *value;
	bool html;       /* an HTML-like label: <...> */
	bool quote;      /* a plain string that needs quotes (streamed) */
} attr;

struct goheap_dot {
	outfile out;
	goheap_dot_format format;
	bool stream;
	Agraph_t *g;
	uint64_t nodes, edges;
	sbuf a, b, c;     /* scratch: labels, tooltips, statements */
	agusererrf old_errf;
	bool hooked;
};

/* ---- Graphviz messages ------------------------------------------------ */

/* What Graphviz said while this module called it (process-wide, see dot.h). */
static char gv_msg[512];

static int gv_capture(char *msg)
{
	size_t n = strlen(gv_msg);
	for (const char *p = msg; *p && n + 1 < sizeof gv_msg; p++)
		gv_msg[n++] = *p == '\n' ? ' ' : *p;
	gv_msg[n] = '\0';
	return 0;
}

static void hook(goheap_dot *d)
{
	if (d->hooked)
		return;
	gv_msg[0] = '\0';
	d->old_errf = agseterrf(gv_capture);
	d->hooked = true;
}

static void unhook(goheap_dot *d)
{
	if (!d->hooked)
		return;
	agseterrf(d->old_errf);
	d->hooked = false;
}

/* gv_msg trimmed, or a fallback. */
static const char *gv_reason(const char *fallback)
{
	size_t n = strlen(gv_msg);
	while (n && gv_msg[n - 1] == ' ')
		gv_msg[--n] = '\0';
	return n ? gv_msg : fallback;
}

/* ---- the outfile as cgraph's I/O --------------------------------------- */

static int io_putstr(void *chan, const char *str)
{
	return outfile_write(chan, str, strlen(str)) ? 0 : EOF;
}

static int io_flush(void *chan)
{
	(void)chan;
	return 0;
}

static int io_read(void *chan, char *buf, int bufsize)
{
	(void)chan, (void)buf, (void)bufsize;
	return 0;
}

static Agiodisc_t out_io = { io_read, io_putstr, io_flush };
static Agdisc_t out_disc = { &AgMemDisc, &AgIdDisc, &out_io };

/* ---- attributes ------------------------------------------------------- */

/* cgraph takes char*: every value passes through this one place. */
static char *mut(const char *s)
{
	return (char *)(uintptr_t)s;
}

/* Set attributes on a held object (declared at open, or declared now). */
static int set_held(goheap_dot *d, void *obj, int kind, const attr *at, size_t n, goheap_diag *diag)
{
	for (size_t i = 0; i < n; i++) {
		Agsym_t *sym = agattr(d->g, kind, mut(at[i].name), NULL);
		if (!sym)
			sym = agattr(d->g, kind, mut(at[i].name), mut(""));
		if (!sym)
			return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory building the graph");
		if (at[i].html) {
			char *h = agstrdup_html(d->g, mut(at[i].value));
			int rc = h ? agxset(obj, sym, h) : -1;
			if (h)
				agstrfree(d->g, h);
			if (rc)
				return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL,
						"out of memory building the graph");
		} else if (agxset(obj, sym, mut(at[i].value))) {
			return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory building the graph");
		}
	}
	return GOHEAP_OK;
}

/* Append " [a=b, ...]" for a streamed statement. */
static void stream_attrs(sbuf *b, const attr *at, size_t n)
{
	sb_str(b, " [");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_str(b, ", ");
		sb_str(b, at[i].name);
		sb_str(b, at[i].html ? "=<" : at[i].quote ? "=\"" : "=");
		sb_str(b, at[i].value);
		sb_str(b, at[i].html ? ">" : at[i].quote ? "\"" : "");
	}
	sb_str(b, "]");
}

static int put(goheap_dot *d, const sbuf *b, goheap_diag *diag)
{
	if (b->oom)
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing the graph");
	if (!outfile_write(&d->out, b->p, b->n))
		return diag_set(diag, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "cannot write %s: %s", d->out.path,
				strerror(d->out.err));
	return GOHEAP_OK;
}

/* ---- the API ---------------------------------------------------------- */

bool goheap_dot_can_render(void)
{
#ifdef GOHEAP_HAVE_GVC
	return true;
#else
	return false;
#endif
}

static void release(goheap_dot *d)
{
	if (d->g) {
		hook(d);
		agclose(d->g);
	}
	unhook(d);
	free(d->a.p);
	free(d->b.p);
	free(d->c.p);
	free(d);
}

int goheap_dot_open(goheap_dot **out, const char *path, const goheap_dot_opts *opts, goheap_diag *diag)
{
	goheap_dot_opts defaults = GOHEAP_DOT_OPTS_INIT;
	*out = NULL;
	diag_clear(diag);
	if (!opts)
		opts = &defaults;
	if (opts->version != GOHEAP_DOT_OPTS_VERSION || opts->format > GOHEAP_DOT_PNG)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "bad DOT writer options");
	if (opts->stream && opts->format != GOHEAP_DOT_TEXT)
		return diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL,
				"only DOT text can be streamed: a picture is laid out whole");
	if (opts->format != GOHEAP_DOT_TEXT && !goheap_dot_can_render())
		return diag_set(diag, GOHEAP_EUNSUPPORTED, GOHEAP_NO_OFFSET, NULL, NULL,
				"goheap was built without Graphviz's gvc library: it writes DOT only");
	goheap_dot *d = calloc(1, sizeof *d);
	if (!d)
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	d->format = opts->format;
	d->stream = opts->stream;
	int rc = outfile_open(&d->out, path, diag);
	if (rc) {
		free(d);
		return rc;
	}
	sbuf *t = &d->a;
	if (opts->title)
		sb_html(t, opts->title, 0);
	if (d->stream) {
		sbuf *b = &d->c;
		sb_str(b, "digraph goheap {\n\tgraph [");
		for (size_t i = 0; i < NATTRS(graph_attrs); i++)
			sb_fmt(b, "%s%s=\"%s\"", i ? ", " : "", graph_attrs[i][0], graph_attrs[i][1]);
		if (opts->title) {
			sb_str(b, ", label=<");
			sb_add(b, t->p ? t->p : "", t->n);
			sb_str(b, ">");
		}
		sb_str(b, "];\n\tnode [");
		for (size_t i = 0; i < NATTRS(node_defaults); i++)
			sb_fmt(b, "%s%s=\"%s\"", i ? ", " : "", node_defaults[i][0], node_defaults[i][1]);
		sb_str(b, "];\n\tedge [");
		for (size_t i = 0; i < NATTRS(edge_defaults); i++)
			sb_fmt(b, "%s%s=\"%s\"", i ? ", " : "", edge_defaults[i][0], edge_defaults[i][1]);
		sb_str(b, "];\n");
		if ((rc = put(d, b, diag)))
			goto fail;
		*out = d;
		return GOHEAP_OK;
	}
	hook(d);
	d->g = agopen(mut("goheap"), Agdirected, &out_disc);
	bool ok = d->g != NULL;
	for (size_t i = 0; ok && i < NATTRS(graph_attrs); i++)
		ok = agattr(d->g, AGRAPH, mut(graph_attrs[i][0]), mut(graph_attrs[i][1])) != NULL;
	for (size_t i = 0; ok && i < NATTRS(node_defaults); i++)
		ok = agattr(d->g, AGNODE, mut(node_defaults[i][0]), mut(node_defaults[i][1])) != NULL;
	for (size_t i = 0; ok && i < NATTRS(edge_defaults); i++)
		ok = agattr(d->g, AGEDGE, mut(edge_defaults[i][0]), mut(edge_defaults[i][1])) != NULL;
	if (ok && opts->title && !t->oom) {
		attr label = { "label", t->p ? t->p : "", true, false };
		ok = set_held(d, d->g, AGRAPH, &label, 1, diag) == GOHEAP_OK;
	}
	unhook(d);
	if (!ok || t->oom) {
		rc = diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory building the graph");
		goto fail;
	}
	*out = d;
	return GOHEAP_OK;
fail:
	outfile_abort(&d->out);
	release(d);
	return rc;
}

int goheap_dot_add_node(goheap_dot *d, uint32_t id, const goheap_dot_node *n, goheap_diag *diag)
{
	char name[16], retained[32], shallow[32], colour[32], addr[24], bytes_s[24], bytes_r[24];
	bool root = n->kind == GOHEAP_DOT_ROOT;
	const char *nm = n->name ? n->name : "?";
	snprintf(name, sizeof name, "n%" PRIu32, id);
	human_size(n->retained, retained, sizeof retained);
	human_size(n->shallow, shallow, sizeof shallow);
	snprintf(addr, sizeof addr, "0x%" PRIx64, n->addr);
	snprintf(bytes_s, sizeof bytes_s, "%" PRIu64, n->shallow);
	snprintf(bytes_r, sizeof bytes_r, "%" PRIu64, n->retained);
	diag_clear(diag);

	/* The label: the type or root name in bold, the address or kind of root small, the sizes. */
	sbuf *l = &d->a, *tt = &d->b;
	sb_reset(l);
	sb_reset(tt);
	sb_str(l, "<b>");
	sb_html(l, nm, LABEL_NAME_MAX);
	sb_str(l, "</b><br/><font point-size=\"8\">");
	if (root)
		sb_html(l, n->detail ? n->detail : "root", LABEL_NAME_MAX);
	else
		sb_str(l, addr);
	sb_str(l, "</font><br/>retained ");
	sb_str(l, retained);
	if (!root) {
		sb_str(l, ", shallow ");
		sb_str(l, shallow);
	}
	/* The tooltip: the whole name and the exact sizes. */
	sb_plain(tt, nm, d->stream);
	if (root) {
		if (n->detail) {
			sb_str(tt, " (");
			sb_plain(tt, n->detail, d->stream);
			sb_str(tt, ")");
		}
		sb_fmt(tt, "\\nretained %s bytes", bytes_r);
	} else {
		sb_fmt(tt, " at %s\\nshallow %s bytes, retained %s bytes", addr, bytes_s, bytes_r);
	}
	if (l->oom || tt->oom)
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing the graph");

	attr at[16];
	size_t na = 0;
	at[na++] = (attr){ "label", l->p, true, false };
	at[na++] = (attr){ "tooltip", tt->p, false, true };
	if (root) {
		at[na++] = (attr){ "shape", ROOT_SHAPE, false, false };
		at[na++] = (attr){ "style", ROOT_STYLE, false, false };
		at[na++] = (attr){ "fillcolor", ROOT_FILL, false, true };
		at[na++] = (attr){ "goheap_kind", "root", false, false };
	} else {
		key_colour(n->colour ? n->colour : nm, colour, sizeof colour);
		at[na++] = (attr){ "fillcolor", colour, false, true };
		at[na++] = (attr){ "goheap_addr", addr, false, true };
	}
	if (n->highlight) {
		at[na++] = (attr){ "color", HIGHLIGHT_COLOUR, false, true };
		at[na++] = (attr){ "penwidth", HIGHLIGHT_WIDTH, false, false };
	}
	at[na++] = (attr){ "goheap_shallow", bytes_s, false, false };
	at[na++] = (attr){ "goheap_retained", bytes_r, false, false };

	int rc;
	if (d->stream) {
		sbuf *b = &d->c;
		sb_reset(b);
		sb_fmt(b, "\t%s", name);
		stream_attrs(b, at, na);
		sb_str(b, ";\n");
		if ((rc = put(d, b, diag)))
			return rc;
		d->nodes++;
		return GOHEAP_OK;
	}
	hook(d);
	rc = GOHEAP_OK;
	if (agnode(d->g, name, 0)) {
		rc = diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "node %s added twice", name);
	} else {
		Agnode_t *v = agnode(d->g, name, 1);
		if (!v)
			rc = diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory building the graph");
		else
			rc = set_held(d, v, AGNODE, at, na, diag);
	}
	unhook(d);
	if (!rc)
		d->nodes++;
	return rc;
}

int goheap_dot_add_edge(goheap_dot *d, uint32_t from, uint32_t to, const char *label, unsigned flags,
			goheap_diag *diag)
{
	char tail[16], head[16];
	snprintf(tail, sizeof tail, "n%" PRIu32, from);
	snprintf(head, sizeof head, "n%" PRIu32, to);
	diag_clear(diag);
	sbuf *l = &d->a;
	sb_reset(l);
	attr at[4];
	size_t na = 0;
	if (label && label[0]) {
		sb_html(l, label, LABEL_NAME_MAX);
		if (l->oom)
			return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory writing the graph");
		at[na++] = (attr){ "label", l->p, true, false };
	}
	if (flags & GOHEAP_DOT_EDGE_DOMINATES) {
		at[na++] = (attr){ "style", "dashed", false, false };
		at[na++] = (attr){ "color", "#999999", false, true };
	}
	int rc;
	if (d->stream) {
		sbuf *b = &d->c;
		sb_reset(b);
		sb_fmt(b, "\t%s -> %s", tail, head);
		if (na)
			stream_attrs(b, at, na);
		sb_str(b, ";\n");
		if ((rc = put(d, b, diag)))
			return rc;
		d->edges++;
		return GOHEAP_OK;
	}
	hook(d);
	Agnode_t *t = agnode(d->g, tail, 0), *h = agnode(d->g, head, 0);
	Agedge_t *e = NULL;
	if (!t || !h)
		rc = diag_set(diag, GOHEAP_EINVAL, GOHEAP_NO_OFFSET, NULL, NULL, "edge %s -> %s: node %s not added", tail,
			      head, t ? head : tail);
	else if (!(e = agedge(d->g, t, h, NULL, 1)))
		rc = diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory building the graph");
	else
		rc = set_held(d, e, AGEDGE, at, na, diag);
	unhook(d);
	if (!rc)
		d->edges++;
	return rc;
}

void goheap_dot_counts(const goheap_dot *d, uint64_t *nodes, uint64_t *edges)
{
	if (nodes)
		*nodes = d->nodes;
	if (edges)
		*edges = d->edges;
}

#ifdef GOHEAP_HAVE_GVC
/* Lay out the held graph with dot and render it into the outfile. */
static int render(goheap_dot *d, goheap_diag *diag)
{
	const char *fmt = d->format == GOHEAP_DOT_SVG ? "svg" : "png";
	GVC_t *gvc = gvContext();
	if (!gvc)
		return diag_set(diag, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "cannot start Graphviz");
	int rc = GOHEAP_OK;
	char *data = NULL;
	unsigned int len = 0;
	if (gvLayout(gvc, d->g, "dot") != 0) {
		rc = diag_set(diag, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "Graphviz could not lay out the graph: %s",
			      gv_reason("no reason given"));
		gvFreeContext(gvc);
		return rc;
	}
	if (gvRenderData(gvc, d->g, fmt, &data, &len) != 0 || !data)
		rc = diag_set(diag, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "Graphviz could not render %s: %s", fmt,
			      gv_reason("is its plugin for the format installed?"));
	else
		outfile_write(&d->out, data, len);
	if (data)
		gvFreeRenderData(data);
	gvFreeLayout(gvc, d->g);
	gvFreeContext(gvc);
	return rc;
}
#endif

int goheap_dot_finish(goheap_dot *d, goheap_diag *diag)
{
	diag_clear(diag);
	int rc = GOHEAP_OK;
	if (d->stream) {
		sbuf *b = &d->c;
		sb_reset(b);
		sb_str(b, "}\n");
		rc = put(d, b, diag);
	} else if (d->format == GOHEAP_DOT_TEXT) {
		hook(d);
		if (agwrite(d->g, &d->out) == EOF && !d->out.err)
			rc = diag_set(diag, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "cannot write the graph: %s",
				      gv_reason("cgraph failed"));
		unhook(d);
	} else {
#ifdef GOHEAP_HAVE_GVC
		hook(d);
		rc = render(d, diag);
		unhook(d);
#endif
	}
	/* Commit when all went well, or to report a failed write (a full
	 * disk) with its reason; otherwise remove what was written. */
	if (rc == GOHEAP_OK || d->out.err)
		rc = outfile_commit(&d->out, diag);
	else
		outfile_abort(&d->out);
	release(d);
	return rc;
}

void goheap_dot_abort(goheap_dot *d)
{
	if (!d)
		return;
	outfile_abort(&d->out);
	release(d);
}

/*
 * elf.c - the ELF side of goheap_binary: headers and sections through
 * libelf. This file (with the DWARF reader that joins it) is the only code
 * that talks to libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goheap/binary.h"
#include "util/diag.h"

struct goheap_binary {
	int fd;
	Elf *elf;
	goheap_binary_info info;
};

static const char *goarch_of(unsigned machine, unsigned ptr_size, bool big_endian)
{
	switch (machine) {
	case EM_X86_64: return "amd64";
	case EM_386: return "386";
	case EM_AARCH64: return "arm64";
	case EM_ARM: return "arm";
	case EM_S390: return "s390x";
	case EM_PPC64: return big_endian ? "ppc64" : "ppc64le";
	case EM_MIPS:
		if (ptr_size == 8)
			return big_endian ? "mips64" : "mips64le";
		return big_endian ? "mips" : "mipsle";
	case EM_RISCV: return "riscv64";
	case 258 /* EM_LOONGARCH */: return "loong64";
	default: return "unknown";
	}
}

static int elf_fail(goheap_diag *d, int code, const char *path, const char *what)
{
	return diag_set(d, code, GOHEAP_NO_OFFSET, NULL, NULL, "%s: %s: %s", path, what, elf_errmsg(-1));
}

int goheap_binary_open(goheap_binary **out, const char *path, goheap_diag *d)
{
	*out = NULL;
	diag_clear(d);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(d, GOHEAP_EIO, path, "libelf is unusable");
	goheap_binary *b = calloc(1, sizeof *b);
	if (!b)
		return diag_set(d, GOHEAP_ENOMEM, GOHEAP_NO_OFFSET, NULL, NULL, "out of memory");
	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0) {
		int e = errno;
		free(b);
		return diag_set(d, GOHEAP_EIO, GOHEAP_NO_OFFSET, NULL, NULL, "cannot open '%s': %s",
				path, strerror(e));
	}
	int rc = GOHEAP_OK;
	b->elf = elf_begin(b->fd, ELF_C_READ, NULL);
	if (!b->elf) {
		rc = elf_fail(d, GOHEAP_EIO, path, "cannot read");
		goto fail;
	}
	GElf_Ehdr eh;
	if (elf_kind(b->elf) != ELF_K_ELF || !gelf_getehdr(b->elf, &eh)) {
		rc = diag_set(d, GOHEAP_ENOTELF, GOHEAP_NO_OFFSET, NULL, NULL,
			      "'%s' is not an ELF executable", path);
		goto fail;
	}
	goheap_binary_info *in = &b->info;
	in->ptr_size = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;
	in->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	in->machine = eh.e_machine;
	in->goarch = goarch_of(in->machine, in->ptr_size, in->big_endian);
	in->pie = eh.e_type == ET_DYN;
	size_t shstrndx;
	if (elf_getshdrstrndx(b->elf, &shstrndx) != 0) {
		rc = elf_fail(d, GOHEAP_ENOTELF, path, "no section name table");
		goto fail;
	}
	for (Elf_Scn *scn = elf_nextscn(b->elf, NULL); scn; scn = elf_nextscn(b->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(b->elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0)
			in->has_dwarf = true;
		else if (strcmp(name, ".symtab") == 0)
			in->has_symtab = true;
		else if (strcmp(name, ".data") == 0) {
			in->has_data = true;
			in->data_addr = sh.sh_addr;
			in->data_size = sh.sh_size;
		} else if (strcmp(name, ".bss") == 0) {
			in->has_bss = true;
			in->bss_addr = sh.sh_addr;
			in->bss_size = sh.sh_size;
		}
	}
	*out = b;
	return GOHEAP_OK;
fail:
	goheap_binary_free(b);
	return rc;
}

void goheap_binary_free(goheap_binary *b)
{
	if (!b)
		return;
	if (b->elf)
		elf_end(b->elf);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

const goheap_binary_info *goheap_binary_get_info(const goheap_binary *b)
{
	return &b->info;
}

#define MISMATCH(...) diag_set(d, GOHEAP_EMISMATCH, GOHEAP_NO_OFFSET, NULL, NULL, __VA_ARGS__)

int goheap_binary_match(const goheap_binary *b, const goheap_dump *dump, int64_t *bias,
			goheap_diag *d)
{
	const goheap_binary_info *in = &b->info;
	const goheap_params *pr = goheap_dump_params(dump);
	diag_clear(d);
	if (in->ptr_size != pr->ptr_size)
		return MISMATCH("the binary has %u-byte pointers, the dump %u-byte pointers",
				in->ptr_size, pr->ptr_size);
	if (in->big_endian != pr->big_endian)
		return MISMATCH("the binary is %s-endian, the dump %s-endian",
				in->big_endian ? "big" : "little", pr->big_endian ? "big" : "little");
	if (strlen(in->goarch) != pr->goarch.len || memcmp(in->goarch, pr->goarch.ptr, pr->goarch.len) != 0)
		return MISMATCH("the binary is for %s, the dump was written on %.*s", in->goarch,
				(int)pr->goarch.len, pr->goarch.ptr);
	size_t nseg;
	const goheap_segment *seg = goheap_dump_segments(dump, &nseg);
	bool have_bias = false;
	int64_t b0 = 0;
	for (size_t i = 0; i < nseg; i++) {
		const char *name = seg[i].is_bss ? ".bss" : ".data";
		bool has = seg[i].is_bss ? in->has_bss : in->has_data;
		uint64_t addr = seg[i].is_bss ? in->bss_addr : in->data_addr;
		uint64_t size = seg[i].is_bss ? in->bss_size : in->data_size;
		if (!has)
			return MISMATCH("the binary has no %s section", name);
		if (size != seg[i].len)
			return MISMATCH("the binary's %s section is %llu bytes, the dump's is %llu bytes",
					name, (unsigned long long)size, (unsigned long long)seg[i].len);
		int64_t sb = (int64_t)(seg[i].addr - addr);
		if (!in->pie && sb != 0)
			return MISMATCH("the binary's %s section is at 0x%llx, the dump's at 0x%llx", name,
					(unsigned long long)addr, (unsigned long long)seg[i].addr);
		/* A PIE is loaded at a page-aligned base above its link address 0. */
		if (in->pie && (sb < 0 || sb % 4096 != 0))
			return MISMATCH("the dump's %s record at 0x%llx is not the binary's %s section at 0x%llx "
					"plus a page-aligned load base", seg[i].is_bss ? "bss" : "data",
					(unsigned long long)seg[i].addr, name, (unsigned long long)addr);
		if (have_bias && sb != b0)
			return MISMATCH("the dump's data and bss records are not at one load bias of the binary");
		b0 = sb;
		have_bias = true;
	}
	if (bias)
		*bias = b0;
	return GOHEAP_OK;
}

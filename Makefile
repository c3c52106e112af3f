# ctrwatch — one entry point: build, test, install, run.
#
#   make                 build every program into build/bin/
#   make test            install missing packages, build, run every suite (plain and sanitized)
#   make run             install missing packages, build, and start ctrwatch on this host
#   make install         programs, scripts and man pages under $(DESTDIR)$(prefix)
#   make image           the ctrwatch container image: build/ctrwatch-$(VERSION).oci.tar, and into
#                        the local Docker when one answers (tag ctrwatch:$(VERSION))
#   make deb             a Debian package: build/ctrwatch_$(VERSION)_<arch>.deb
#   make bench           print benchmark figures with their baselines (root, a few minutes)
#   make fuzz            run every libFuzzer target for FUZZ_SECONDS (default 30) each
#   make SAN=1           an AddressSanitizer + UndefinedBehaviorSanitizer build in build/san/
#   make V=1             show full commands

VERSION := 0.1.0

prefix ?= /usr/local
bindir ?= $(prefix)/bin
sbindir ?= $(prefix)/sbin
mandir ?= $(prefix)/share/man
DESTDIR ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
CFLAGS ?= -O2 -g
LDFLAGS ?=

ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS := -std=gnu11 $(WARNINGS) -Icommon -Ibpf -I$(BUILD)/gen \
	-DCTRWATCH_VERSION='"$(VERSION)"' $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

# One folder a program; each program's extra libraries.
# A folder is a program once it has its main file, cmd/<name>/<name>.c (modules may come first).
PROGS := $(foreach d,$(wildcard cmd/*),$(if $(wildcard $(d)/$(notdir $(d)).c),$(notdir $(d))))
LDLIBS_cgtap := -lbpf -lelf -lz
LDLIBS_ctrenrich := -lcurl

COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
BINS := $(PROGS:%=$(BUILD)/bin/%)

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg = @printf '  %-8s %s\n'
endif

.DELETE_ON_ERROR:
.SUFFIXES:
.PHONY: all clean test unit install uninstall run bench image deb

all: $(BINS)

$(BUILD)/obj/%.o: %.c
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# A program: its folder's objects (subfolders too) plus common/, and its BPF skeleton when
# bpf/<prog>.bpf.c exists.
define PROG_template
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard cmd/$(1)/*.c cmd/$(1)/*/*.c))
$(BUILD)/bin/$(1): $$($(1)_OBJS) $(COMMON_OBJS)
	$$(msg) LINK $$@
	@mkdir -p $$(@D)
	$(Q)$$(CC) $(ALL_LDFLAGS) -o $$@ $$^ $$(LDLIBS_$(1))
ifneq ($$(wildcard bpf/$(1).bpf.c),)
$$($(1)_OBJS): $(BUILD)/gen/$(1).skel.h
endif
endef
$(foreach p,$(PROGS),$(eval $(call PROG_template,$(p))))

# BPF: vmlinux.h from the running kernel's BTF, the object, then the libbpf skeleton.
$(BUILD)/gen/vmlinux.h:
	$(msg) GEN $@
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/gen/%.bpf.o: bpf/%.bpf.c bpf/%.h $(BUILD)/gen/vmlinux.h
	$(msg) BPF $@
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -I$(BUILD)/gen -Ibpf -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/gen/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# What the unit and fuzz tests link besides common/: ctrenrich's modules that do no I/O (its
# codecs in codec/, its backends and what they share) or only file I/O (podlog: Podman's event
# log), and the tests' own C helpers
# (tests/unit/lib/). Objects, not an archive: the engine names the backends as weak symbols.
TESTLIB_SRCS := $(wildcard cmd/ctrenrich/codec/*.c cmd/ctrenrich/backend*.c cmd/ctrenrich/be_*.c \
	cmd/ctrenrich/podlog*.c tests/unit/lib/*.c)
TESTLIB_INC := -Icmd/ctrenrich -Icmd/ctrenrich/codec -Itests/unit/lib
TESTLIB := $(TESTLIB_SRCS:%.c=$(BUILD)/obj/%.o)
$(BUILD)/obj/tests/%.o: ALL_CFLAGS += $(TESTLIB_INC)

# Unit tests: one binary a file in tests/unit/.
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
$(BUILD)/unit/%: $(BUILD)/obj/tests/unit/%.o $(COMMON_OBJS) $(TESTLIB)
	$(msg) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

# C helpers the suites run (tests/helpers/*.c), one binary a file in $(BUILD)/helpers/.
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
$(BUILD)/helpers/%: tests/helpers/%.c
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $<

unit: $(UNIT_BINS) $(HELPER_BINS)

test:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)$(MAKE) --no-print-directory SAN=1 all unit
	$(Q)tests/run

run:
	$(Q)scripts/install-deps build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" scripts/ctrwatch $(ARGS)

# Figures against baselines measured in the same run (root; not part of make test).
bench:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)tests/bench/run $(SECTIONS)

# The version is written where the sources leave it out: into scripts/ctrwatch's version= and
# into each man page's .TH line ("ctrwatch", the source of the page, becomes "ctrwatch VERSION").
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(sbindir)
	install -d $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man7 $(DESTDIR)$(mandir)/man8
	for p in $(PROGS); do \
		case $$p in cgtap) d=$(sbindir);; *) d=$(bindir);; esac; \
		install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$$d/$$p; done
	if [ -f scripts/ctrwatch ]; then install -m 755 scripts/ctrwatch $(DESTDIR)$(sbindir)/ctrwatch && \
		sed -i 's/^version=$$/version=$(VERSION)/' $(DESTDIR)$(sbindir)/ctrwatch; fi
	for m in man/*.[178]; do d=$(DESTDIR)$(mandir)/man$${m##*.}/$${m##*/}; \
		install -m 644 $$m $$d && sed -i '1s/^\(\.TH .*\) "ctrwatch" /\1 "ctrwatch $(VERSION)" /' $$d && \
		grep -q '^\.TH .* "ctrwatch $(VERSION)" ' $$d || \
		{ echo "make install: $$m: its .TH line has no \"ctrwatch\" to give the version" >&2; exit 1; }; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(bindir)/$$p $(DESTDIR)$(sbindir)/$$p; done
	rm -f $(DESTDIR)$(sbindir)/ctrwatch
	for m in man/*.[178]; do rm -f $(DESTDIR)$(mandir)/man$${m##*.}/$${m##*/}; done

# The container image: a staged install (programs and ctrwatch, no man pages) plus what they
# need at run time, found from them by scripts/image. IMAGE_TOOLS: the commands scripts/ctrwatch
# runs besides bash's builtins (its interpreter, bash, comes from its #! line).
IMAGE_TOOLS := cat mktemp mkfifo rm id sleep
IMAGE := $(BUILD)/ctrwatch-$(VERSION).oci.tar
image: all
	$(msg) IMAGE $(IMAGE)
	$(Q)rm -rf $(BUILD)/image
	$(Q)$(MAKE) --no-print-directory -s install DESTDIR=$(CURDIR)/$(BUILD)/image prefix=/usr/local >/dev/null
	$(Q)rm -rf $(BUILD)/image/usr/local/share
	$(Q)scripts/image $(IMAGE).tmp ctrwatch:$(VERSION) $(BUILD)/image $(IMAGE_TOOLS)
	$(Q)mv $(IMAGE).tmp $(IMAGE)
	$(Q)if timeout 10 docker info >/dev/null 2>&1; then docker load -i $(IMAGE); \
	else echo "make image: no Docker answers; load $(IMAGE) with docker load, podman load or ctr images import"; fi

# The Debian package: a staged install under /usr, then scripts/deb (the unit, Depends found by
# dpkg-shlibdeps, control files; needs dpkg-dev).
DEB = $(BUILD)/ctrwatch_$(VERSION)_$(shell dpkg --print-architecture).deb
deb: all
	$(msg) DEB $(DEB)
	$(Q)rm -rf $(BUILD)/deb
	$(Q)$(MAKE) --no-print-directory -s install DESTDIR=$(CURDIR)/$(BUILD)/deb prefix=/usr >/dev/null
	$(Q)scripts/deb $(BUILD)/deb $(VERSION) $(DEB) >/dev/null

clean:
	rm -rf build

include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Fuzzing (included by the Makefile).
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="rec classify"]
#
# Each target tests/fuzz/<t>.c is built with libFuzzer, ASan and UBSan (clang), seeded from the
# fixtures (tests/fuzz/seed) and run for FUZZ_SECONDS. A crash leaves its input in build/fuzz/;
# fix it and keep the input in tests/fuzz/regressions/<t>/. The same sources, built with a small
# main (tests/fuzz/replay.c), replay the seeds and regressions in `make test`.

FUZZ_SECONDS ?= 30
FUZZ_ALL := $(filter-out replay,$(basename $(notdir $(wildcard tests/fuzz/*.c))))
FUZZ_TARGETS ?= $(FUZZ_ALL)
# Every target links common/ and TESTLIB (ctrenrich's codecs and backends, the tests' helpers);
# the targets of ctrdetect and ctrfmt also their program's modules (all but its main file).
FUZZ_SRCS_classify := $(filter-out cmd/ctrdetect/ctrdetect.c,$(wildcard cmd/ctrdetect/*.c))
FUZZ_SRCS_ctrfmt := $(filter-out cmd/ctrfmt/ctrfmt.c,$(wildcard cmd/ctrfmt/*.c))
FUZZ_INC := -Icommon -Ibpf -Icmd/ctrdetect -Icmd/ctrfmt $(TESTLIB_INC)
FUZZ_FLAGS := -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(FUZZ_INC)

build/fuzz/bin/%: tests/fuzz/%.c $(COMMON_SRCS) FORCE
	$(msg) FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(COMMON_SRCS) $(TESTLIB_SRCS) $(FUZZ_SRCS_$*)

fuzz: $(FUZZ_TARGETS:%=build/fuzz/bin/%)
	$(Q)for t in $(FUZZ_TARGETS); do \
		rm -rf build/fuzz/corpus/$$t; tests/fuzz/seed $$t build/fuzz/corpus/$$t || exit 1; \
		if [ -d tests/fuzz/regressions/$$t ]; then \
			find tests/fuzz/regressions/$$t -type f -size +0 -exec cp {} build/fuzz/corpus/$$t/ \;; fi; \
		echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
		build/fuzz/bin/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=0 \
			-artifact_prefix=build/fuzz/crash-$$t- build/fuzz/corpus/$$t 2>build/fuzz/$$t.log \
			|| { tail -40 build/fuzz/$$t.log; echo "fuzz $$t: FAILED"; exit 1; }; \
		grep -E '^#[0-9]+.*DONE' build/fuzz/$$t.log | tail -1; \
	done

# Replay drivers: plain compiler, the build's flags (sanitized under SAN=1).
REPLAY_BINS := $(FUZZ_ALL:%=$(BUILD)/replay/%)
$(BUILD)/replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(COMMON_OBJS) \
		$(TESTLIB)
	$(msg) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^
$(foreach t,$(FUZZ_ALL),$(eval $(BUILD)/replay/$(t): $(patsubst %.c,$(BUILD)/obj/%.o,$(FUZZ_SRCS_$(t)))))
$(BUILD)/obj/tests/fuzz/%.o: ALL_CFLAGS += $(FUZZ_INC)

unit: $(REPLAY_BINS)

.PHONY: fuzz FORCE
FORCE:

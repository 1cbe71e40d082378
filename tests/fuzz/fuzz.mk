# fuzz.mk: the libFuzzer targets of tests/fuzz (GNU make), run by `make fuzz`.
#
# Every source of libhookgate.a and hookgate-fcgi (but main.c) is compiled
# again here by clang with coverage for libFuzzer, ASan and UBSan, whatever
# compiler the rest of the build uses, into tests/fuzz/build/; each target
# links the real code from that archive. Makefile.am passes:
#   top_srcdir FUZZ_CC FUZZ_CPPFLAGS FUZZ_LIBS HG_SOURCES

OUT := tests/fuzz/build
TARGETS ?= body json signature dedupe request router filters settings cidr html

SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
CFLAGS_FUZZ := -g -O1 -std=gnu11 $(SAN) -fsanitize=fuzzer-no-link \
	-Wall -Wno-unused-parameter -DHG_FUZZING=1
LDFLAGS_FUZZ := $(SAN) -fsanitize=fuzzer

SRCS := $(filter-out src/fcgi/main.c,$(filter %.c,$(HG_SOURCES)))
OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(SRCS))
BINS := $(addprefix $(OUT)/fuzz_,$(TARGETS))

vpath %.c . $(top_srcdir)

all: $(BINS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC   $<"
	@$(FUZZ_CC) $(CFLAGS_FUZZ) $(FUZZ_CPPFLAGS) -MMD -MP -c -o $@ $<

$(OUT)/libhookgate-fuzz.a: $(OBJS)
	@rm -f $@
	@ar cr $@ $(OBJS)
	@ranlib $@

$(OUT)/fuzz_%: $(OUT)/obj/tests/fuzz/fuzz_%.o $(OUT)/libhookgate-fuzz.a
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(LDFLAGS_FUZZ) -o $@ $< $(OUT)/libhookgate-fuzz.a $(FUZZ_LIBS)

.SECONDARY:

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)

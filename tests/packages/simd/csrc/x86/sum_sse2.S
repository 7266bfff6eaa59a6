/* uint64_t simdsum_sse2(const uint8_t *data, size_t size): SSE2 psadbw over
   16-byte blocks (the x86_64 baseline), the rest in C. System V ABI. */
#define BLOCK 16
    .text
    .globl simdsum_sse2
    .hidden simdsum_sse2
    .type simdsum_sse2, @function
simdsum_sse2:
    pxor %xmm0, %xmm0            /* accumulator */
    pxor %xmm1, %xmm1            /* zero */
    xorq %rax, %rax              /* offset */
1:  leaq BLOCK(%rax), %rcx
    cmpq %rsi, %rcx
    ja 2f
    movdqu (%rdi,%rax), %xmm2
    psadbw %xmm1, %xmm2
    paddq %xmm2, %xmm0
    movq %rcx, %rax
    jmp 1b
2:  pshufd $0x4e, %xmm0, %xmm1
    paddq %xmm1, %xmm0
    movq %xmm0, %rdx
    pushq %rdx
    addq %rax, %rdi
    subq %rax, %rsi
    call simdsum_generic
    popq %rdx
    addq %rdx, %rax
    ret
    .size simdsum_sse2, .-simdsum_sse2
    .section .note.GNU-stack,"",@progbits

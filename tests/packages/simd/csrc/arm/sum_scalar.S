/* uint64_t simdsum_scalar_asm(const uint8_t *data, size_t size): AAPCS64. */
    .text
    .globl simdsum_scalar_asm
    .hidden simdsum_scalar_asm
    .type simdsum_scalar_asm, %function
simdsum_scalar_asm:
    mov x2, #0
1:  cbz x1, 2f
    ldrb w3, [x0], #1
    add x2, x2, x3
    sub x1, x1, #1
    b 1b
2:  mov x0, x2
    ret
    .size simdsum_scalar_asm, .-simdsum_scalar_asm
    .section .note.GNU-stack,"",%progbits

// bench/pingpong.c: TCP ping-pong latency client for bench/compare.sh.
//
//   pingpong HOST PORT SECONDS SIZE
//
// One connection (TCP_NODELAY), one message in flight: send SIZE bytes, wait until SIZE bytes came back, take the
// round trip from CLOCK_MONOTONIC. The first 1000 round trips are a warm-up and not counted. Prints
//   samples=N median_us=X p99_us=Y mean_us=Z
// where, as sockperf reports it, a sample's latency is half its round trip.
//
// Why not `sockperf pp`: its client drops every reply that still carries its own "client" flag, which only a
// `sockperf sr` server clears, so it cannot measure a plain echo server such as `netstack echo`. This client sends
// messages in sockperf's format (8-byte sequence number, 2-byte flags = client | pong request, 4-byte length, all
// big-endian, then padding), so the same client measures `sockperf sr --tcp` (kernel) and a byte echo (ours), and
// compare.sh also runs `sockperf pp` against `sockperf sr` over veth to show the two clients agree.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int round_trip(int fd, unsigned char *msg, unsigned char *reply, size_t size, uint64_t seq) {
    uint64_t be_seq = ((uint64_t)htonl((uint32_t)seq) << 32) | htonl((uint32_t)(seq >> 32));
    memcpy(msg, &be_seq, 8);
    for (size_t sent = 0; sent < size;) {
        ssize_t n = send(fd, msg + sent, size - sent, 0);
        if (n <= 0) return -1;
        sent += (size_t)n;
    }
    for (size_t got = 0; got < size;) {
        ssize_t n = recv(fd, reply + got, size - got, 0);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: pingpong HOST PORT SECONDS SIZE\n");
        return 2;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    double seconds = atof(argv[3]);
    size_t size = (size_t)atoi(argv[4]);
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || seconds <= 0 || size < 14 || size > 65536) {
        fprintf(stderr, "pingpong: bad arguments\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("pingpong: connect");
        return 1;
    }
    unsigned char *msg = calloc(1, size), *reply = malloc(size);
    uint16_t flags = htons(3);           // client | pong request
    uint32_t length = htonl((uint32_t)size);
    memcpy(msg + 8, &flags, 2);
    memcpy(msg + 10, &length, 4);
    size_t cap = 1 << 16, n = 0;
    double *samples = malloc(cap * sizeof *samples);
    uint64_t seq = 0;
    for (int i = 0; i < 1000; i++)
        if (round_trip(fd, msg, reply, size, seq++) != 0) { fprintf(stderr, "pingpong: connection lost\n"); return 1; }
    double end = now_us() + seconds * 1e6, t0;
    while ((t0 = now_us()) < end) {
        if (round_trip(fd, msg, reply, size, seq++) != 0) { fprintf(stderr, "pingpong: connection lost\n"); return 1; }
        if (n == cap) samples = realloc(samples, (cap *= 2) * sizeof *samples);
        samples[n++] = (now_us() - t0) / 2;
    }
    close(fd);
    if (n == 0) return 1;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += samples[i];
    qsort(samples, n, sizeof *samples, cmp_double);
    printf("samples=%zu median_us=%.2f p99_us=%.2f mean_us=%.2f\n", n, samples[n / 2], samples[(size_t)(n * 0.99)], sum / n);
    return 0;
}

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// The states of an iperf3 test, sent as one signed byte on the control connection (iperf_api.h). The server
/// drives the test by sending them; the client answers with TEST_END, IPERF_DONE or CLIENT_TERMINATE.
/// </summary>
public enum Iperf3State : sbyte
{
    TestStart = 1,
    TestRunning = 2,
    TestEnd = 4,
    ParamExchange = 9,
    CreateStreams = 10,
    ServerTerminate = 11,
    ClientTerminate = 12,
    ExchangeResults = 13,
    DisplayResults = 14,
    IperfStart = 15,
    IperfDone = 16,
    AccessDenied = -1,
    ServerError = -2,
}

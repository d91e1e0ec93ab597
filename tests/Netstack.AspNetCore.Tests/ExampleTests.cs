using Netstack.Examples.KestrelOverStack;
using Netstack.AspNetCore.Tests.Infrastructure;

namespace Netstack.AspNetCore.Tests;

/// <summary>Runs examples/KestrelOverStack's entry logic and checks what it printed, so a broken example fails CI.</summary>
public class ExampleTests
{
    [Fact]
    public async Task KestrelOverStack_serves_a_minimal_api_to_the_other_stack()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TestWeb.Patience);
        await KestrelOverStackExample.RunAsync(TextWriter.Synchronized(output), timeout.Token).WaitAsync(TestWeb.Patience);
        string text = output.ToString();
        Assert.Contains("server: Kestrel listening on http://10.9.0.2:8080 (netstack)", text, StringComparison.Ordinal);
        Assert.Contains($"client: GET /hello -> '{KestrelOverStackExample.Greeting}'", text, StringComparison.Ordinal);
        Assert.Matches(@"client: GET /whoami -> 'HTTP/1\.1 from 10\.9\.0\.1:\d+ to 10\.9\.0\.2:8080'", text);
        Assert.Contains("server: stopped", text, StringComparison.Ordinal);
    }
}

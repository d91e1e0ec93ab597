using Netstack.Cli;

return NetstackCli.Run(args, Console.Out, Console.Error);

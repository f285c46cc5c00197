using Berth.Registry.Hosting;

return await RegistryCommand.RunAsync(args);

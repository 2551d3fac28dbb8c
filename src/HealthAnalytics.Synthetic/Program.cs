Console.WriteLine("seed: not implemented yet");

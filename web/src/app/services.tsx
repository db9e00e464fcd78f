import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from '../api/client';
import type { WsClient } from '../api/ws';

export interface Services {
  client: ApiClient;
  ws: WsClient;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) {
    throw new Error('useServices outside ServicesProvider');
  }
  return services;
}
